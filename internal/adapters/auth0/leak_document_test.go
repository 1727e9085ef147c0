package auth0

import (
	"slices"
	"testing"
)

// objectSpans returns, for every object of body (whole, or cut short
// by its end), its span, as addDocument would read it.
func objectSpans(body []byte) [][2]int64 {
	var spans [][2]int64
	var stack []int // index in spans, or -1 for an array
	dec := lenientDecoder(body)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			for _, i := range stack {
				if i >= 0 {
					spans[i][1] = int64(len(body))
				}
			}
			return spans
		}
		switch tok.Kind() {
		case '{':
			spans = append(spans, [2]int64{dec.InputOffset() - 1, -1})
			stack = append(stack, len(spans)-1)
		case '[':
			stack = append(stack, -1)
		case '}', ']':
			if i := stack[len(stack)-1]; i >= 0 {
				spans[i][1] = dec.InputOffset()
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// wantScanned is the bytes addDocument should read: those of each
// object some private member of which jwkPrivateValue says gives a value.
func wantScanned(body []byte) (scanned int64, private []string) {
	for _, s := range objectSpans(body) {
		all, _ := jwkAllMembers(body[s[0]:s[1]])
		if slices.ContainsFunc(jwkPrivateMembers, func(m string) bool { return slices.ContainsFunc(all[m], jwkPrivateValue) }) {
			scanned += s[1] - s[0]
			private = append(private, string(body[s[0]:s[1]]))
		}
	}
	return scanned, private
}

// TestLeaksAddDocumentReadsWhatIsPrivate: addDocument reads exactly the
// objects jwkPrivateValue says give a private member a value, whole or cut
// short: no public set's bytes count against maxLeakScan, and no private
// value goes unread.
func TestLeaksAddDocumentReadsWhatIsPrivate(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"d":{ }}`, `{"d":[ ]}`, `{"d":[null]}`, `{"d":[[]]}`, `{"d":{"a":null}}`,
		`{"d":""}`, `{"d":" "}`, `{"d":0}`, `{"d":false}`, `{"d":"\u0000"}`, `{"d":"\u0020"}`, "{\"d\":\"\u00a0\"}", `{"d":null}`,
		`{"\u0064":"AQAB"}`, `{"\u0064":null}`, `{"d\u0070":"AQAB"}`,
		`["d","AQAB"]`, `{"a":"d","b":"AQAB"}`, `{"a":["d","AQAB"]}`,
		`{"d":[`, `{"d":{`, `{"d":"AQ`, `{"d":"AQAB"`, `{"d":"AQAB",`,
		`{"d":null,"p":"AQAB"}`, `{"d":"AQAB","p":null}`,
		`{"d":"AQAB","p":""}`, `{"d":"AQAB","p":[]}`, `{"d":[1],"p":""}`, `{"d":1,"q":{}}`, `{"d":"AQAB","d":""}`,
		`{"d":"AQAB"}`, `{"p":[1]}`, `{"oth":[{}]}`, `{"a":{"d":[]}}`, `{"d":{"d":""}}`,
		`{"keys":[{"kid":"a","d":null,"p":null}]}`,
		`{"d":"AQAB"} x`, `{"d":"AQAB",,}`,
	}
	for _, body := range bodies {
		var l leaks
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", body, r)
				}
			}()
			l.addDocument([]byte(body))
		}()
		want, objs := wantScanned([]byte(body))
		if l.scanned != want {
			t.Errorf("%-40s read %d bytes, want %d (objects giving a private value: %q)", body, l.scanned, want, objs)
		}
	}
}
