package auth0

import (
	"reflect"
	"testing"

	josejson "gopkg.in/go-jose/go-jose.v2/json"
)

// joseClaims is what go-jose's own JSON decoder (the one go-jwt-middleware
// verifies with) reads of the claims the pre-parse checks read.
type joseClaims struct {
	Iss         string    `json:"iss"`
	Sub         *string   `json:"sub"`
	Aud         any       `json:"aud"`
	Exp         *float64  `json:"exp"`
	Nbf         *float64  `json:"nbf"`
	Iat         *float64  `json:"iat"`
	Scope       string    `json:"scope"`
	Permissions []*string `json:"permissions"`
}

// FuzzClaimsDifferential: a payload the pre-parse decoder accepts means the
// same to go-jose's decoder (RFC 8725 §3.7): it accepts it too, and reads
// the same iss, sub, aud, exp, nbf, iat, scope and permissions.
func FuzzClaimsDifferential(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://t/","sub":"s","aud":"a","exp":1,"iat":1,"scope":"read:messages"}`,
		`{"sub":"\ud83d","aud":["a","b\udc00"],"exp":1,"iat":1,"permissions":["x\ud800\ud800\udc00"]}`,
		`{"\u0061ud":"a","sub":"s","exp":1,"iat":1}`,
		`{"sub":"s","exp":1,"iat":1,"x":{"\ud800":1,"\udbff":2}}`,
		`{"sub":"s","exp":1e2,"iat":-0,"nbf":1.5,"scope":"a\u0000b"}`,
		`{"sub":"s","exp":1E+2,"iat":4.9e-325,"nbf":-0.0,"scope":"\/\ud800\n"}`,
		`{"sub":"s","exp":1.7976931348623157e309,"iat":1}`,
		`{"sub":"s","exp":1,"iat":1,"AUD":"a","Scope":"x","permissions\u0000":["y"]}`,
		`{"sub":"s","exp":1,"iat":1,"aud":[],"permissions":[]}`,
		`{"sub":"s","exp":1,"iat":1,"aud":null,"permissions":null,"scope":null,"iss":null}`,
		` {"sub":"s","exp":1,"iat":1} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var ours tokenClaims
		if decodeObject(payload, &ours) != nil {
			return
		}
		var theirs joseClaims
		if err := josejson.Unmarshal(payload, &theirs); err != nil {
			t.Fatalf("payload %q: pre-parse accepted it, go-jose refused it: %v", payload, err)
		}
		var perms []string
		for _, p := range theirs.Permissions {
			if p != nil {
				perms = append(perms, *p)
			}
		}
		var aud []string
		switch a := theirs.Aud.(type) {
		case string:
			aud = []string{a}
		case []any:
			for _, e := range a {
				s, _ := e.(string)
				aud = append(aud, s)
			}
		}
		same := ours.Iss == theirs.Iss && reflect.DeepEqual(ours.Sub, theirs.Sub) &&
			reflect.DeepEqual(ours.Exp, theirs.Exp) && reflect.DeepEqual(ours.Nbf, theirs.Nbf) && reflect.DeepEqual(ours.Iat, theirs.Iat) &&
			ours.Scope == theirs.Scope && len(ours.Permissions) == len(perms) && len(ours.Aud) == len(aud)
		for i := range perms {
			same = same && ours.Permissions[i] == perms[i]
		}
		for i := range aud {
			same = same && ours.Aud[i] == aud[i]
		}
		if !same {
			t.Fatalf("payload %q: pre-parse read %+v, go-jose %+v", payload, ours, theirs)
		}
	})
}
