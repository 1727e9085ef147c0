package httpapi

// Fuzzing the bearer-token extraction, the first code to see the
// Authorization header. Top-level names carry a "vtf" prefix: other test
// files of this package are written concurrently.

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// vtfIsBearer reports whether scheme is "bearer" in ASCII case-insensitive
// comparison (RFC 7235: auth schemes are case-insensitive tokens). It is
// stricter than strings.EqualFold, which also folds some non-ASCII letters.
func vtfIsBearer(scheme string) bool {
	const want = "bearer"
	if len(scheme) != len(want) {
		return false
	}
	for i := 0; i < len(want); i++ {
		c := scheme[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// vtfRequest builds a request with exactly the given Authorization values
// (no canonicalisation or validation, as a hostile client could send) and
// raw query.
func vtfRequest(values []string, rawQuery string) *http.Request {
	r := &http.Request{Method: http.MethodGet, Header: http.Header{}, URL: &url.URL{Path: "/api/private", RawQuery: rawQuery}}
	if len(values) > 0 {
		r.Header["Authorization"] = values
	}
	return r
}

func FuzzBearerToken(f *testing.F) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln"
	seeds := []struct {
		h1, h2   string
		nHeaders uint8
		query    string
	}{
		{"Bearer " + jwt, "", 1, ""},
		{"bearer " + jwt, "", 1, "x=1"},
		{"BEARER   " + jwt, "", 1, ""},
		{"Bearer " + jwt, "Bearer " + jwt, 2, ""},
		{"Bearer " + jwt, "", 1, "access_token=" + jwt},
		{"", "", 0, "access_token=" + jwt},
		{"Basic dXNlcjpwYXNz", "", 1, "access_token=x"},
		{"Bearer", "", 1, ""},
		{"Bearer ", "", 1, ""},
		{"Bearertoken", "", 1, ""},
		{"Bearer\t" + jwt, "", 1, ""},
		{"Bearer a b", "", 1, ""},
		{" Bearer " + jwt, "", 1, ""},
		{"Bearer " + jwt, "", 1, "%zz&access_token=1"},
		{"Bearer " + jwt, "", 1, "access_token=1;x=2"},
		{"Bearer " + jwt, "", 1, "ACCESS_TOKEN=1&access%5Ftoken=2"},
		{"BEARER Bearer " + jwt, "", 1, ""},
		{"Be\u212arer x", "", 1, ""},
		{"Bearer \x00\xff", "", 1, ""},
		{"", "", 2, ""},
	}
	for _, s := range seeds {
		f.Add(s.h1, s.h2, s.nHeaders, s.query)
	}

	f.Fuzz(func(t *testing.T, h1, h2 string, nHeaders uint8, rawQuery string) {
		var values []string
		switch nHeaders % 3 {
		case 1:
			values = []string{h1}
		case 2:
			values = []string{h1, h2}
		}
		token, ok, err := bearerToken(vtfRequest(values, rawQuery))

		if err != nil {
			if ok || token != "" {
				t.Errorf("got ok %v, token %q with error %v; want neither", ok, token, err)
			}
			switch {
			case errors.Is(err, errTwoHeaders):
				if len(values) != 2 {
					t.Errorf("got %v with %d Authorization headers", err, len(values))
				}
			case errors.Is(err, errTwoMethods):
				scheme, _, _ := strings.Cut(h1, " ")
				if len(values) != 1 || !vtfIsBearer(scheme) {
					t.Errorf("got %v for headers %q; want it only with one bearer header", err, values)
				}
				if q, _ := url.ParseQuery(rawQuery); !q.Has("access_token") {
					t.Errorf("got %v for query %q, which has no access_token", err, rawQuery)
				}
			default:
				t.Errorf("got error %v; want only errTwoHeaders or errTwoMethods", err)
			}
			return
		}

		// The request-level errors are never missed.
		if len(values) == 2 {
			t.Fatalf("got no error for two Authorization headers")
		}
		if !ok {
			if token != "" {
				t.Errorf("got token %q with ok false", token)
			}
			if len(values) == 1 {
				if scheme, _, _ := strings.Cut(h1, " "); vtfIsBearer(scheme) {
					t.Errorf("got ok false for %q, whose scheme is Bearer", h1)
				}
			}
			return
		}

		if len(values) != 1 {
			t.Fatalf("got ok with %d Authorization headers", len(values))
		}
		if q, _ := url.ParseQuery(rawQuery); q.Has("access_token") {
			t.Errorf("got ok for a header and an access_token query %q; want errTwoMethods", rawQuery)
		}
		// The header is: scheme, one or more spaces, then exactly the token
		// ("Bearer" alone gives an empty token, which the verifier refuses).
		if !strings.HasSuffix(h1, token) {
			t.Fatalf("got token %q, not the end of header %q", token, h1)
		}
		prefix := h1[:len(h1)-len(token)]
		scheme := strings.TrimRight(prefix, " ")
		if !vtfIsBearer(scheme) || (token != "" && len(prefix) == len(scheme)) {
			t.Errorf("got token %q from %q: the part before it is %q, want \"bearer\" (any case) and spaces", token, h1, prefix)
		}
		if strings.HasPrefix(token, " ") {
			t.Errorf("got token %q with a leading space", token)
		}
	})
}
