package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/example/messages-api/internal/domain"
	"github.com/example/messages-api/internal/ports"
)

// requestError is a problem with the request itself, not with its token:
// 400 invalid_request, or a routing status such as 404 and 405.
type requestError struct {
	status      int
	code        string
	description string
}

func (e *requestError) Error() string { return e.description }

var (
	errNotFound         = &requestError{http.StatusNotFound, "not_found", "no such resource"}
	errMethodNotAllowed = &requestError{http.StatusMethodNotAllowed, "method_not_allowed", "the method is not allowed on this resource"}
	errTwoHeaders       = &requestError{http.StatusBadRequest, "invalid_request", "more than one Authorization header"}
	errTwoMethods       = &requestError{http.StatusBadRequest, "invalid_request", "the token is sent both in the Authorization header and in the query"}
)

// statusClientClosedRequest is nginx's 499: the client closed the
// connection before the answer was ready.
const statusClientClosedRequest = 499

// errCutOff is the cause of a request's context cancelled by Stop when
// the shutdown timeout ends.
var errCutOff = errors.New("httpapi: cut off by the shutdown timeout")

// errorBody is every error response's JSON body.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// writeError is the one place that turns a domain or port error into a
// status, a JSON body and, for auth failures, an RFC 6750 challenge. It
// records the rejection reason for the access log.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := stateFrom(r.Context())
	var (
		invalid *ports.InvalidTokenError
		missing *domain.MissingScopeError
		reqErr  *requestError
		status  int
		body    errorBody
	)
	switch {
	case errors.As(err, &invalid):
		status = http.StatusUnauthorized
		body = errorBody{"invalid_token", sanitize(invalid.Description)}
		if strings.TrimSpace(body.Description) == "" { // the caller is always told why, whatever a verifier wrote
			body.Description = "the access token is invalid"
		}
		st.reason = string(invalid.Reason)
		w.Header().Set("WWW-Authenticate", h.challenge(body.Error, body.Description, ""))
	case errors.Is(err, domain.ErrNotAuthenticated):
		status = http.StatusUnauthorized
		body = errorBody{"unauthorized", absenceDescriptions[st.absence]}
		st.reason = absenceReasons[st.absence]
		// RFC 6750 §3.1: no error code when the request had no credentials.
		w.Header().Set("WWW-Authenticate", h.challenge("", "", ""))
	case errors.As(err, &missing):
		status = http.StatusForbidden
		body = errorBody{"insufficient_scope", sanitize("the token lacks the scope " + missing.Scope)}
		st.reason = "insufficient_scope"
		w.Header().Set("WWW-Authenticate", h.challenge(body.Error, body.Description, missing.Scope))
	case errors.As(err, &reqErr):
		status = reqErr.status
		body = errorBody{reqErr.code, reqErr.description}
		if reqErr.code == "invalid_request" {
			st.reason = "invalid_request"
			w.Header().Set("WWW-Authenticate", h.challenge(body.Error, body.Description, ""))
		}
	case errors.Is(err, ports.ErrKeysUnavailable):
		status = http.StatusServiceUnavailable
		body = errorBody{"temporarily_unavailable", "token verification keys are unavailable, retry later"}
		st.reason = "keys_unavailable"
		w.Header().Set("Retry-After", h.retryAfter)
		h.sampled.Warn("keys unavailable", zap.Inline(st), zap.Error(err)) // sampled: an outage is many requests
	case errors.Is(err, context.Canceled) && context.Cause(r.Context()) == errCutOff:
		// The server cut the request off: a failure of ours, not the
		// client's hang-up, however the connection ends.
		status = http.StatusServiceUnavailable
		body = errorBody{"temporarily_unavailable", "the server is stopping, retry"}
		st.reason = "shutdown"
		w.Header().Set("Retry-After", h.retryAfter)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client hung up mid-verification: nobody reads this answer,
		// and a 5xx would count the hang-up, which any client can cause
		// (a token with an unknown kid waits for a key lookup), as the
		// service failing.
		status = statusClientClosedRequest
		body = errorBody{"client_closed_request", "the client closed the request"}
		st.reason = "cancelled"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The request ran out of time mid-verification.
		status = http.StatusServiceUnavailable
		body = errorBody{"temporarily_unavailable", "the request was cancelled, retry later"}
		st.reason = "cancelled"
		w.Header().Set("Retry-After", h.retryAfter)
	default:
		status = http.StatusInternalServerError
		body = errorBody{"server_error", "internal error"}
		st.reason = "internal"
		h.sampled.Error("request failed", zap.Inline(st), zap.Error(err)) // sampled: a fault may hit every request
	}
	writeJSON(w, status, body)
}

// What a 401 without credentials says, and its access-log reason, by why
// there were none.
var (
	absenceDescriptions = [...]string{
		absent:    "a bearer access token is required",
		inQuery:   "tokens in the query string are not accepted; send Authorization: Bearer <token>",
		notBearer: "the Authorization scheme must be Bearer; send Authorization: Bearer <token>",
	}
	absenceReasons = [...]string{absent: "no_token", inQuery: "token_in_query", notBearer: "not_bearer"}
)

// challenge builds a WWW-Authenticate value (RFC 6750 §3).
func (h *handler) challenge(code, description, scope string) string {
	var b strings.Builder
	b.WriteString(`Bearer realm="`)
	b.WriteString(h.realm)
	b.WriteByte('"')
	if code != "" {
		b.WriteString(`, error="` + code + `"`)
	}
	if description != "" {
		b.WriteString(`, error_description="` + description + `"`)
	}
	if scope != "" {
		b.WriteString(`, scope="` + sanitize(scope) + `"`)
	}
	return b.String()
}

// MaxQuotedBytes bounds a quoted value of a challenge (the realm, an
// error_description), in bytes: sanitize cuts a longer one.
const MaxQuotedBytes = 200

// ValidRealm reports whether realm goes into WWW-Authenticate as given:
// at most MaxQuotedBytes of the characters sanitize keeps (an empty one
// is valid here; Routes sends its default instead).
func ValidRealm(realm string) bool { return sanitize(realm) == realm }

// sanitize keeps only the characters RFC 6750 §3 allows in error and
// error_description (%x20-21 / %x23-5B / %x5D-7E), bounded in length.
func sanitize(s string) string {
	b := make([]byte, 0, min(len(s), MaxQuotedBytes))
	for i := 0; i < len(s) && len(b) < MaxQuotedBytes; i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b = append(b, c)
		}
	}
	return string(b)
}

func retryAfterSeconds(d int) string { return strconv.Itoa(max(d, 1)) }
