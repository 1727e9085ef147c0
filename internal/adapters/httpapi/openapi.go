package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDocument is the API's OpenAPI 3.1 description, kept by hand next
// to the routes it describes; openapi_test.go checks the two agree.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the embedded document as it is in the repository.
func (h *handler) openAPI(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument)
}
