package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Shared header values: net/http never writes to them, so one slice serves
// every response instead of a new one per Header().Set.
var (
	jsonContentType = []string{"application/json"}
	noStoreValue    = []string{"no-store"}
)

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own fixed types are written; this cannot fail.
		panic(err)
	}
	writeBody(w, status, b, []string{strconv.Itoa(len(b))})
}

// writeBody writes a JSON body whose Content-Length value is already known.
func writeBody(w http.ResponseWriter, status int, body []byte, length []string) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = length
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type messageBody struct {
	Message string `json:"message"`
}

// encodedMessage is a message's JSON body, encoded once: the domain's
// messages are few and fixed, and the hot path should not re-encode them.
type encodedMessage struct {
	body   []byte
	length []string
}

var messageBodies sync.Map // message text → *encodedMessage

// writeMessage writes {"message": text} with 200.
func writeMessage(w http.ResponseWriter, text string) {
	m, ok := messageBodies.Load(text)
	if !ok {
		b, err := json.Marshal(messageBody{text})
		if err != nil {
			panic(err) // a string always encodes
		}
		m, _ = messageBodies.LoadOrStore(text, &encodedMessage{b, []string{strconv.Itoa(len(b))}})
	}
	e := m.(*encodedMessage)
	writeBody(w, http.StatusOK, e.body, e.length)
}
