package httpapi

// Fuzzing the bearer-token extraction, the first code to see the
// Authorization header. Top-level names carry a "vtf" prefix: other test
// files of this package are written concurrently.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
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

// vtfScheme is the auth scheme of an Authorization value: a token (RFC
// 9110 §11.4), so it ends at the first character that is not a tchar
// (§5.6.2), written out here as the RFC lists them.
func vtfScheme(h string) string {
	for i := 0; i < len(h); i++ {
		if !vtfIsTchar(h[i]) {
			return h[:i]
		}
	}
	return h
}

func vtfIsTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c))
}

// vtfHasAccessToken is the URL Standard's application/x-www-form-urlencoded
// parsing, written out on its own: pairs split on "&", "+" a space, and a
// "%" not followed by two hex digits kept as it is.
func vtfHasAccessToken(rawQuery string) bool {
	for _, pair := range strings.Split(rawQuery, "&") {
		name, _, _ := strings.Cut(pair, "=")
		var b []byte
		for i := 0; i < len(name); i++ {
			switch c := name[i]; {
			case c == '+':
				b = append(b, ' ')
			case c == '%' && i+2 < len(name) && vtfIsHex(name[i+1]) && vtfIsHex(name[i+2]):
				n, _ := strconv.ParseUint(name[i+1:i+3], 16, 8)
				b = append(b, byte(n))
				i += 2
			default:
				b = append(b, c)
			}
		}
		if string(b) == "access_token" {
			return true
		}
	}
	return false
}

func vtfIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
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
		{"Bearer " + jwt, "", 1, "access_token=%zz"},
		{"Bearer " + jwt, "", 1, "%61ccess_token%=1&access+token=2&access_token%2=3"},
		{"bearer\t" + jwt, "", 1, "a=1;access_token=x"},
		{"Bearer:" + jwt, "", 1, ""},
		{"Bearer=" + jwt, "", 1, "access_token=x"},
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
				if len(values) != 1 || !vtfIsBearer(vtfScheme(h1)) {
					t.Errorf("got %v for headers %q; want it only with one bearer header", err, values)
				}
				if !vtfHasAccessToken(rawQuery) {
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
				if vtfIsBearer(vtfScheme(h1)) {
					t.Errorf("got ok false for %q, whose scheme is Bearer", h1)
				}
			}
			return
		}

		if len(values) != 1 {
			t.Fatalf("got ok with %d Authorization headers", len(values))
		}
		if vtfHasAccessToken(rawQuery) {
			t.Errorf("got ok for a header and an access_token query %q; want errTwoMethods", rawQuery)
		}
		// The header is: scheme, one or more spaces, then exactly the token
		// ("Bearer" alone gives an empty token, which the verifier refuses);
		// or the scheme and a character a scheme cannot hold (a tab, ":"),
		// kept in the token for the verifier to refuse as malformed.
		if !strings.HasSuffix(h1, token) {
			t.Fatalf("got token %q, not the end of header %q", token, h1)
		}
		prefix := h1[:len(h1)-len(token)]
		scheme := strings.TrimRight(prefix, " ")
		if !vtfIsBearer(scheme) || (token != "" && len(prefix) == len(scheme) && vtfIsTchar(token[0])) {
			t.Errorf("got token %q from %q: the part before it is %q, want \"bearer\" (any case) and spaces", token, h1, prefix)
		}
		if strings.HasPrefix(token, " ") {
			t.Errorf("got token %q with a leading space", token)
		}
	})
}
