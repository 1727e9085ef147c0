package httpapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
	"go.uber.org/zap"

	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/ports"
)

// openAPIFile is the document as kept in the repository, next to this test.
const openAPIFile = "openapi.json"

// unlistedResponses are the components.responses that answer what the
// document cannot list as operations: paths it does not have (404) and
// methods other than GET on the paths it has (405).
var unlistedResponses = map[string]int{
	"NotFound":         http.StatusNotFound,
	"MethodNotAllowed": http.StatusMethodNotAllowed,
}

type openAPISpec struct {
	raw   []byte
	model *v3.Document
	v     validator.Validator
}

// loadOpenAPI parses the repository's document and builds its validator,
// failing the test on any error.
func loadOpenAPI(t *testing.T) *openAPISpec {
	t.Helper()
	raw, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatalf("got %v reading %s, want the document", err, openAPIFile)
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatalf("got %v parsing %s, want no error", err, openAPIFile)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("got %v building the OpenAPI 3 model, want no error", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("got %v building the validator, want no error", errors.Join(errs...))
	}
	return &openAPISpec{raw: raw, model: &m.Model, v: v}
}

// describe renders validation errors with their schema failures, one a line.
func describe(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n\t\t%s at %s (%s)", s.Reason, s.FieldPath, s.KeywordLocation)
		}
	}
	return b.String()
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	spec := loadOpenAPI(t)
	if got, want := spec.model.Version, "3.1.0"; got != want {
		t.Errorf("got openapi %q, want %q", got, want)
	}
	if ok, errs := spec.v.ValidateDocument(); !ok || len(errs) > 0 {
		t.Errorf("got %d errors validating the document against the OpenAPI 3.1 schema, want none:%s", len(errs), describe(errs))
	}
	// Every reusable response is used: by an operation, or as the answer
	// to an unlisted path or method.
	for name := range spec.model.Components.Responses.KeysFromOldest() {
		_, unlisted := unlistedResponses[name]
		if !unlisted && !bytes.Contains(spec.raw, []byte(`"#/components/responses/`+name+`"`)) {
			t.Errorf("got components.responses.%s unused, want it referenced by an operation", name)
		}
	}
	for name := range unlistedResponses {
		if spec.model.Components.Responses.GetOrZero(name) == nil {
			t.Errorf("got no components.responses.%s, want it documented", name)
		}
	}
}

// onlyResponse is a path item whose every method answers status with resp,
// to validate a response the document keeps in components.
func onlyResponse(status int, resp *v3.Response) *v3.PathItem {
	codes := orderedmap.New[string, *v3.Response]()
	codes.Set(strconv.Itoa(status), resp)
	op := &v3.Operation{Responses: &v3.Responses{Codes: codes}}
	return &v3.PathItem{Get: op, Put: op, Post: op, Delete: op, Options: op, Head: op, Patch: op, Trace: op}
}

type openAPICase struct {
	name       string
	method     string // GET when empty
	target     string
	auth       []string // Authorization header values
	fail       error    // the fake verifier's error, if any
	wantStatus int
	// unlisted names the components.responses entry that answers a path
	// or method the document does not list; empty for listed operations.
	unlisted string
}

// openAPICases drives every (path, method, status) the document lists, and
// the unlisted 404 and 405, through the real handler.
var openAPICases = []openAPICase{
	{name: "public", target: "/api/public", wantStatus: 200},
	{name: "public ignores a bad token", target: "/api/public", auth: []string{"Bearer junk"}, wantStatus: 200},
	{name: "document", target: "/openapi.json", wantStatus: 200},

	{name: "private", target: "/api/private", auth: []string{"Bearer " + noneToken}, wantStatus: 200},
	{name: "private without credentials", target: "/api/private", wantStatus: 401},
	{name: "private with Basic", target: "/api/private", auth: []string{"Basic dXNlcjpwYXNz"}, wantStatus: 401},
	{name: "private with a query token only", target: "/api/private?access_token=" + noneToken, wantStatus: 401},
	{name: "private with an unknown token", target: "/api/private", auth: []string{"Bearer junk"}, wantStatus: 401},
	{name: "private with an expired token", target: "/api/private", auth: []string{"Bearer " + noneToken},
		fail: ports.Invalid(ports.ReasonExpired, "the token has expired"), wantStatus: 401},
	{name: "private with an empty description", target: "/api/private", auth: []string{"Bearer " + noneToken},
		fail: ports.Invalid(ports.ReasonMalformed, ""), wantStatus: 401},
	{name: "private with two Authorization headers", target: "/api/private",
		auth: []string{"Bearer " + noneToken, "Bearer " + noneToken}, wantStatus: 400},
	{name: "private with header and query tokens", target: "/api/private?access_token=" + noneToken,
		auth: []string{"Bearer " + noneToken}, wantStatus: 400},
	{name: "private with an unexpected verifier error", target: "/api/private", auth: []string{"Bearer " + noneToken},
		fail: errors.New("boom"), wantStatus: 500},
	{name: "private with keys unavailable", target: "/api/private", auth: []string{"Bearer " + noneToken},
		fail: ports.ErrKeysUnavailable, wantStatus: 503},

	{name: "scoped", target: "/api/private-scoped", auth: []string{"Bearer " + readToken}, wantStatus: 200},
	{name: "scoped without credentials", target: "/api/private-scoped", wantStatus: 401},
	{name: "scoped with a bad signature", target: "/api/private-scoped", auth: []string{"Bearer " + readToken},
		fail: ports.Invalid(ports.ReasonBadSignature, "the token signature is invalid"), wantStatus: 401},
	{name: "scoped without the scope", target: "/api/private-scoped", auth: []string{"Bearer " + noneToken}, wantStatus: 403},
	{name: "scoped with two Authorization headers", target: "/api/private-scoped",
		auth: []string{"Bearer " + readToken, "Bearer " + readToken}, wantStatus: 400},
	{name: "scoped with an unexpected verifier error", target: "/api/private-scoped", auth: []string{"Bearer " + readToken},
		fail: errors.New("boom"), wantStatus: 500},
	{name: "scoped with keys unavailable", target: "/api/private-scoped", auth: []string{"Bearer " + readToken},
		fail: errors.Join(errors.New("dial"), ports.ErrKeysUnavailable), wantStatus: 503},

	{name: "unknown path", target: "/api/nope", wantStatus: 404, unlisted: "NotFound"},
	{name: "unknown path with a token", target: "/api/private/more", auth: []string{"Bearer " + readToken}, wantStatus: 404, unlisted: "NotFound"},
	{name: "root", method: http.MethodPost, target: "/", wantStatus: 404, unlisted: "NotFound"},
	{name: "POST private", method: http.MethodPost, target: "/api/private", wantStatus: 405, unlisted: "MethodNotAllowed"},
	{name: "DELETE public", method: http.MethodDelete, target: "/api/public", wantStatus: 405, unlisted: "MethodNotAllowed"},
	{name: "PATCH scoped with a token", method: http.MethodPatch, target: "/api/private-scoped",
		auth: []string{"Bearer " + readToken}, wantStatus: 405, unlisted: "MethodNotAllowed"},
	{name: "PUT document", method: http.MethodPut, target: "/openapi.json", wantStatus: 405, unlisted: "MethodNotAllowed"},

	{name: "OPTIONS public", method: http.MethodOptions, target: "/api/public", wantStatus: 204},
	{name: "OPTIONS private", method: http.MethodOptions, target: "/api/private", wantStatus: 204},
	{name: "OPTIONS scoped", method: http.MethodOptions, target: "/api/private-scoped", auth: []string{"Bearer junk"}, wantStatus: 204},
	{name: "OPTIONS document", method: http.MethodOptions, target: "/openapi.json", wantStatus: 204},
}

// withHEAD adds a HEAD twin of every listed GET case: HEAD is served
// wherever GET is, with the same status and headers and no body.
func withHEAD(cases []openAPICase) []openAPICase {
	out := slices.Clone(cases)
	for _, c := range cases {
		if c.unlisted == "" && (c.method == "" || c.method == http.MethodGet) {
			c.name, c.method = "HEAD "+c.name, http.MethodHead
			out = append(out, c)
		}
	}
	return out
}

// serve runs one case through the real handler.
func (tt openAPICase) serve(t *testing.T) (*http.Request, *http.Response) {
	t.Helper()
	v := newVerifier()
	v.Fail(tt.fail)
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, v, zap.NewNop())
	method := tt.method
	if method == "" {
		method = http.MethodGet
	}
	req := httptest.NewRequest(method, tt.target, nil)
	for _, a := range tt.auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	if resp.StatusCode != tt.wantStatus {
		t.Fatalf("got status %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, rec.Body)
	}
	return req, resp
}

// validate checks resp against the document: the listed operation's
// response, or the components.responses entry for an unlisted path or method.
func (spec *openAPISpec) validate(t *testing.T, tt openAPICase, req *http.Request, resp *http.Response) (bool, []*valerrors.ValidationError) {
	t.Helper()
	if tt.unlisted == "" {
		return spec.v.ValidateHttpResponse(req, resp)
	}
	component := spec.model.Components.Responses.GetOrZero(tt.unlisted)
	if component == nil {
		t.Fatalf("got no components.responses.%s, want it documented", tt.unlisted)
	}
	return spec.v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, resp,
		onlyResponse(tt.wantStatus, component), req.URL.Path)
}

func TestOpenAPIResponsesMatchDocument(t *testing.T) {
	spec := loadOpenAPI(t)
	covered := map[string]bool{} // "GET /api/private 401"
	for _, tt := range withHEAD(openAPICases) {
		t.Run(tt.name, func(t *testing.T) {
			req, resp := tt.serve(t)
			if req.Method == http.MethodHead {
				// The recorder keeps what the handler wrote; net/http sends
				// no body in answer to HEAD.
				resp.Body = http.NoBody
			}
			if tt.unlisted != "" {
				// The document must not list what the router refuses.
				if ok, _ := spec.v.ValidateHttpResponse(req, resp); ok {
					t.Errorf("got %s %s listed in the document, want it answered by components.responses.%s only",
						req.Method, req.URL.Path, tt.unlisted)
				}
			}
			if ok, errs := spec.validate(t, tt, req, resp); !ok || len(errs) > 0 {
				t.Errorf("got %d validation errors for %s %s → %d, want none:%s",
					len(errs), req.Method, req.URL.Path, resp.StatusCode, describe(errs))
			}
			if tt.unlisted == "" {
				covered[fmt.Sprintf("%s %s %d", req.Method, req.URL.Path, tt.wantStatus)] = true
			}
		})
	}

	// Every (path, method, status) the document lists was driven above.
	for path, item := range spec.model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			for code := range op.Responses.Codes.KeysFromOldest() {
				key := fmt.Sprintf("%s %s %s", strings.ToUpper(method), path, code)
				if !covered[key] {
					t.Errorf("got no case for the documented response %s, want one in openAPICases", key)
				}
			}
			if op.Responses.Default != nil {
				t.Errorf("got a default response on %s %s, want every status listed", strings.ToUpper(method), path)
			}
		}
	}
	for name, status := range unlistedResponses {
		if !slices.ContainsFunc(openAPICases, func(c openAPICase) bool { return c.unlisted == name && c.wantStatus == status }) {
			t.Errorf("got no case for components.responses.%s, want one with status %d", name, status)
		}
	}
}

// TestOpenAPIValidatorCatchesDrift makes sure the validation above can
// fail: each real response, altered the way a code change might alter it,
// is refused.
func TestOpenAPIValidatorCatchesDrift(t *testing.T) {
	spec := loadOpenAPI(t)
	byName := map[string]openAPICase{}
	for _, c := range openAPICases {
		byName[c.name] = c
	}
	setBody := func(body string) func(*http.Response) {
		return func(r *http.Response) {
			r.Body = io.NopCloser(strings.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
	}
	setHeader := func(k, v string) func(*http.Response) { return func(r *http.Response) { r.Header.Set(k, v) } }
	delHeader := func(k string) func(*http.Response) { return func(r *http.Response) { r.Header.Del(k) } }
	tests := []struct {
		name   string
		from   string // a case of openAPICases
		mutate func(*http.Response)
	}{
		{"another public message", "public", setBody(`{"message":"Hello!"}`)},
		{"an extra body member", "private", setBody(`{"message":"Hello from a private endpoint! You need to be authenticated to see this.","x":1}`)},
		{"the private message on the scoped path", "scoped", setBody(`{"message":"Hello from a private endpoint! You need to be authenticated to see this."}`)},
		{"no Cache-Control on a private 200", "private", delHeader("Cache-Control")},
		{"a cacheable 401", "private without credentials", setHeader("Cache-Control", "max-age=60")},
		{"no X-Request-Id", "public", delHeader("X-Request-Id")},
		{"a malformed X-Request-Id", "public", setHeader("X-Request-Id", "a b")},
		{"an error code in a no-credentials challenge", "private without credentials",
			setHeader("WWW-Authenticate", `Bearer realm="messages-api", error="invalid_request"`)},
		{"no challenge on a 401", "private with an expired token", delHeader("WWW-Authenticate")},
		{"an unknown error code", "private with an expired token", setBody(`{"error":"expired","error_description":"the token has expired"}`)},
		{"no error_description", "private with an expired token", setBody(`{"error":"invalid_token"}`)},
		{"a quote in error_description", "private with an expired token", setBody(`{"error":"invalid_token","error_description":"bad \"kid\""}`)},
		{"403 with invalid_token", "scoped without the scope", setBody(`{"error":"invalid_token","error_description":"x"}`)},
		{"403 challenge without scope", "scoped without the scope",
			setHeader("WWW-Authenticate", `Bearer realm="messages-api", error="insufficient_scope", error_description="x"`)},
		{"400 without a challenge", "private with two Authorization headers", delHeader("WWW-Authenticate")},
		{"503 without Retry-After", "private with keys unavailable", delHeader("Retry-After")},
		{"503 with a date in Retry-After", "private with keys unavailable", setHeader("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")},
		{"503 with Retry-After 0", "private with keys unavailable", setHeader("Retry-After", "0")},
		{"405 without Allow", "POST private", delHeader("Allow")},
		{"404 with another code", "unknown path", setBody(`{"error":"method_not_allowed","error_description":"x"}`)},
		{"an undocumented status", "public", func(r *http.Response) { r.StatusCode = http.StatusTeapot }},
		{"a text body", "public", setHeader("Content-Type", "text/plain")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := byName[tt.from]
			if !ok {
				t.Fatalf("got no case %q in openAPICases, want one", tt.from)
			}
			req, resp := c.serve(t)
			tt.mutate(resp)
			if ok, errs := spec.validate(t, c, req, resp); ok || len(errs) == 0 {
				t.Errorf("got the altered response accepted, want validation errors")
			}
		})
	}
}

func TestOpenAPIServesTheEmbeddedDocument(t *testing.T) {
	want, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatalf("got %v reading %s, want the document", err, openAPIFile)
	}
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop())
	tests := []struct {
		name string
		auth string
	}{
		{"anonymous", ""},
		{"a bad token is ignored", "Bearer junk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/openapi.json", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			if got := rec.Body.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("got a %d-byte body different from %s (%d bytes), want it byte for byte", len(got), openAPIFile, len(want))
			}
			for k, want := range map[string]string{
				"Content-Type":   "application/json",
				"Content-Length": strconv.Itoa(len(want)),
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestOpenAPIListsEveryRoute compares the router's routes with the
// document's operations, both ways.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	spec := loadOpenAPI(t)
	h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop())
	served := map[string]bool{}
	err := chi.Walk(h, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		served[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatalf("got %v walking the routes, want none", err)
	}
	// HEAD (middleware) and OPTIONS (the 405 handler) are served without
	// routes of their own: ask the handler.
	for r := range maps.Clone(served) {
		_, path, _ := strings.Cut(r, " ")
		for _, m := range []string{http.MethodHead, http.MethodOptions} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(m, path, nil))
			if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
				served[m+" "+path] = true
			}
		}
	}
	documented := map[string]bool{}
	for path, item := range spec.model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().KeysFromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for r := range served {
		if !documented[r] {
			t.Errorf("got route %s served but not in %s, want it documented", r, openAPIFile)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("got operation %s in %s but not served, want it routed", r, openAPIFile)
		}
	}
	if len(served) == 0 {
		t.Errorf("got no routes, want the API's")
	}
}

// TestHandlerRoutesAreClosed: what NewHandler returns can be walked but
// not extended, so every route goes through routes() and its metrics.
func TestHandlerRoutesAreClosed(t *testing.T) {
	var h any = httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.NewNop())
	if _, ok := h.(chi.Routes); !ok {
		t.Errorf("got a %T, want a chi.Routes", h)
	}
	if _, ok := h.(chi.Router); ok {
		t.Errorf("got a chi.Router, want a handler no route can be added to")
	}
}
