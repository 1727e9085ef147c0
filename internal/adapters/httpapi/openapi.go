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

var openAPILength = []string{strconv.Itoa(len(openAPIDocument))}

// openAPI serves the embedded document as it is in the repository.
func (h *handler) openAPI(w http.ResponseWriter, r *http.Request) {
	writeBody(w, http.StatusOK, openAPIDocument, openAPILength)
}
