package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/httpapi"
)

func TestUserAgentTruncated(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"short", "curl/8.5.0", "curl/8.5.0"},
		{"absent", "", ""},
		{"exactly 256", strings.Repeat("a", 256), strings.Repeat("a", 256)},
		{"long", strings.Repeat("a", 1000), strings.Repeat("a", 256)},
		{"cut inside a character", strings.Repeat("a", 255) + "é" + "zzz", strings.Repeat("a", 255)},
		{"cut inside a 4-byte character", strings.Repeat("a", 254) + "😀", strings.Repeat("a", 254)},
		{"cut after a 4-byte character's third byte", strings.Repeat("a", 253) + "😀" + "zzz", strings.Repeat("a", 253)},
		// Bytes that are no character are U+FFFD each, within the cap: as
		// JSON writes them, \ufffd, 300 of them made a line of 1.8 KB.
		{"invalid UTF-8", strings.Repeat("\x80", 300), strings.Repeat("\ufffd", 85)},
		{"text, then invalid UTF-8", strings.Repeat("a", 250) + strings.Repeat("\xff", 50), strings.Repeat("a", 250) + strings.Repeat("\ufffd", 2)},
		// The C1 controls (U+0080 to U+009F) arrive as obs-text (RFC 9110
		// §5.5) and pass a JSON encoder raw (RFC 8259 §7 escapes only
		// U+0000 to U+001F), for a terminal showing the log to act on
		// (U+009B is CSI): each is U+FFFD, within the cap. net/http refuses
		// the other controls, DEL too.
		{"CSI", "app/1.0 \u009b2J", "app/1.0 \ufffd2J"},
		{"every C1 control", "a\u0080b\u009fc", "a\ufffdb\ufffdc"},
		{"C1 control next to a redacted token", "Bearer S3CRET\u009b", "Bearer REDACTED\ufffd"},
		{"the first character after the C1 block", "app/1.0 \u00a0x", "app/1.0 \u00a0x"},
		{"a C1 control's bytes split by invalid UTF-8", "a\xc2\xff\x9b", "a\ufffd\ufffd\ufffd"},
		{"C1 control at the cap", strings.Repeat("a", 254) + "\u009b", strings.Repeat("a", 254)},
		{"many C1 controls", strings.Repeat("\u0085", 200), strings.Repeat("\ufffd", 85)},
		// A log viewer may break a line at U+2028 or U+2029, and a bidi
		// control (override, isolate or mark) reorders how the rest reads.
		{"line separator", "app/1.0\u2028{\"level\":\"error\"}", "app/1.0\ufffd{\"level\":\"error\"}"},
		{"paragraph separator", "a\u2029b", "a\ufffdb"},
		{"every bidi embedding and override", "a\u202ab\u202bc\u202cd\u202de\u202ef", "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"},
		{"every bidi isolate", "a\u2066b\u2067c\u2068d\u2069e", "a\ufffdb\ufffdc\ufffdd\ufffde"},
		{"every bidi mark", "a\u061cb\u200ec\u200fd", "a\ufffdb\ufffdc\ufffdd"},
		{"neighbours of the bidi marks", "\u061b\u061d\u200d\u2010\u0600", "\u061b\u061d\u200d\u2010\u0600"},
		{"neighbours of the replaced blocks kept", "a\u2027b\u202fc\u2065d\u206ae", "a\u2027b\u202fc\u2065d\u206ae"},
		{"a separator's bytes cut short", "a\xe2\x80", "a\ufffd\ufffd"},
		{"separator at the cap", strings.Repeat("a", 254) + "\u2028", strings.Repeat("a", 254)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			if tt.in != "" {
				req.Header.Set("User-Agent", tt.in)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := logs.All()[0].ContextMap()["user_agent"]; got != tt.want {
				t.Errorf("got user_agent %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUserAgentHidesTokens: a token a client put in its User-Agent (a
// JWT anywhere, or the word after "Bearer" or "Basic") is replaced by REDACTED on the
// access line; the rest of the agent, and every agent without one, is kept.
func TestUserAgentHidesTokens(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJTM0NSRVQifQ.c2lnbmF0dXJl"
	const basic = "dXNlcjpTM0NSRVQ=" // user:S3CRET
	// ` {"alg":"RS256"}` and `\n{"alg":"RS256"}`, then claims holding S3CRET
	spacedJWT := base64.RawURLEncoding.EncodeToString([]byte(` {"alg":"RS256"}`)) + ".eyJzdWIiOiJTM0NSRVQifQ.c2lnbmF0dXJl"
	newlineJWT := base64.RawURLEncoding.EncodeToString([]byte("\n{\"alg\":\"RS256\"}")) + ".eyJzdWIiOiJTM0NSRVQifQ.c2lnbmF0dXJl"
	tests := []struct{ name, in, want string }{
		{"bearer and a JWT", "app/1.0 Bearer " + jwt, "app/1.0 Bearer REDACTED"},
		{"a bare JWT", "app/1.0 " + jwt, "app/1.0 REDACTED"},
		{"a JWT first", jwt + " app/1.0", "REDACTED app/1.0"},
		{"a JWT in a comment", "app/1.0 (token=" + jwt + ")", "app/1.0 (token=REDACTED)"},
		{"a JWT after other base64url", "app/1.0 x_" + jwt, "app/1.0 x_REDACTED"},
		{"a JWT cut by the cap", strings.Repeat("a", 200) + " " + jwt + strings.Repeat("b", 100), strings.Repeat("a", 200) + " REDACTED"},
		{"an opaque token after Bearer", "app/1.0 Bearer S3CRET-opaque_token~1+/=", "app/1.0 Bearer REDACTED"},
		{"lower-case bearer and a tab", "app/1.0 bearer\tS3CRET;x", "app/1.0 bearer\tREDACTED;x"},
		{"two bearers", "Bearer S3CRET1 BEARER S3CRET2", "Bearer REDACTED BEARER REDACTED"},
		// The mark is longer than what it replaces: the line still holds 256 bytes.
		{"bearer at the cap", strings.Repeat("a", 243) + " Bearer S3CRET-and-more", strings.Repeat("a", 243) + " Bearer REDAC"},
		{"bearer with nothing after it", "app/1.0 Bearer", "app/1.0 Bearer"},
		// Basic credentials are base64 of user-id:password (RFC 7617 §2).
		{"basic credentials", "app/1.0 (Basic " + basic + ")", "app/1.0 (Basic REDACTED)"},
		{"upper-case basic", "BASIC " + basic + " app/1.0", "BASIC REDACTED app/1.0"},
		{"basic and bearer", "Basic " + basic + " Bearer S3CRET", "Basic REDACTED Bearer REDACTED"},
		{"basic with nothing after it", "app/1.0 Basic", "app/1.0 Basic"},
		{"a word starting with basic", "BasicClient/1.0 basic-auth", "BasicClient/1.0 basic-auth"},
		{"basic inside a word", "Unbasic x/1.0", "Unbasic x/1.0"},
		{"bearer inside a word", "Forbearer/2.0 x", "Forbearer/2.0 x"},
		{"a word ending in bearer, then a space", "Forbearer x/2.0", "Forbearer x/2.0"},
		{"a browser", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
		{"eyJ without a dot", "heyJude/1.0 eyJust", "heyJude/1.0 eyJust"},
		// A JWS header holds alg (RFC 7515 §4.1.1), so it is at least
		// {"alg":""}, 14 characters: a shorter word before a dot is no token.
		{"eyJ in a dotted word", "HeyJoe.app/2.1 KeyJar.v2", "HeyJoe.app/2.1 KeyJar.v2"},
		{"the shortest JWS header", "app/1.0 eyJhbGciOiIifQ.e30.c2ln", "app/1.0 REDACTED"},
		{"one character short of a JWS header", "app/1.0 eyJhbGciOiIif.e30.c2ln", "app/1.0 eyJhbGciOiIif.e30.c2ln"},
		// A header alone is no token: a dot must be followed by more.
		{"a JWS header and a dot, then a space", "app/1.0 eyJhbGciOiJSUzI1NiJ9. x", "app/1.0 eyJhbGciOiJSUzI1NiJ9. x"},
		{"a JWT glued to a short dotted word", "app/1.0 eyJa." + jwt, "app/1.0 eyJa.REDACTED"},
		{"a JWT after a run with no dot", "app/1.0 eyJeyJeyJ " + jwt, "app/1.0 eyJeyJeyJ REDACTED"},
		{"a JWS with a detached payload", "app/1.0 eyJhbGciOiJSUzI1NiJ9..c2lnbmF0dXJl", "app/1.0 REDACTED"},
		// How clients write a credential outside a header.
		{"basic after a colon", "Basic:" + basic, "Basic:REDACTED"},
		{"bearer after a colon", "app/1.0 Bearer:S3CRET-opaque", "app/1.0 Bearer:REDACTED"},
		{"bearer after an equals sign", "app/1.0 bearer=S3CRET", "app/1.0 bearer=REDACTED"},
		{"bearer after %20", "Authorization=Bearer%20S3CRET-opaque", "Authorization=Bearer%20REDACTED"},
		{"basic after a form's plus", "app/1.0 Basic+" + basic, "app/1.0 Basic+REDACTED"},
		{"bearer after %3A", "app/1.0 Bearer%3AS3CRET", "app/1.0 Bearer%3AREDACTED"},
		{"bearer after %3d, lower case", "app/1.0 bearer%3dS3CRET", "app/1.0 bearer%3dREDACTED"},
		{"token after %09", "app/1.0 Token%09S3CRET", "app/1.0 Token%09REDACTED"},
		{"bearer after %2B", "app/1.0 Bearer%2BS3CRET", "app/1.0 Bearer%2BREDACTED"},
		{"bearer then another escape", "app/1.0 Bearer%41pp", "app/1.0 Bearer%41pp"},
		// Form-encoded, the credential's own +, / and = are escaped too.
		{"a form-encoded basic credential", "app/1.0 auth=Basic+ZGV2OnMzY3I%2BPj9%2BfnBhc3M%3D x", "app/1.0 auth=Basic+REDACTED x"},
		{"escapes inside a bearer token", "app/1.0 Bearer%20abc%2Fdef%2BS3CRET%3D", "app/1.0 Bearer%20REDACTED"},
		{"a percent sign that is no escape ends it", "app/1.0 Bearer S3CRET%zz", "app/1.0 Bearer REDACTED%zz"},
		// Quoted, as in a JSON object or a quoted string.
		{"token in JSON", `app/1.0 {"token":"S3CRET"}`, `app/1.0 {"token":"REDACTED"}`},
		{"quoted bearer", `app/1.0 Bearer "S3CRET"`, `app/1.0 Bearer "REDACTED"`},
		{"token= quoted", `app/1.0 (token="S3CRET")`, `app/1.0 (token="REDACTED")`},
		{"quoted and escaped", "app/1.0 token=%22S3CRET%22", "app/1.0 token=%22REDACTED"},
		{"the Token scheme", "app/1.0 Token S3CRET-opaque", "app/1.0 Token REDACTED"},
		// Single quotes, as Python, YAML and shells write them.
		{"token in a Python dict", "app {'token': 'S3CRET-opaque'}", "app {'token': 'REDACTED'}"},
		{"token= single-quoted", "app token='S3CRET'", "app token='REDACTED'"},
		{"bearer single-quoted", "app Bearer 'S3CRET'", "app Bearer 'REDACTED'"},
		{"single quote escaped", "app token=%27S3CRET%27", "app token=%27REDACTED"},
		// The end of a longer name, when a value is assigned to it.
		{"accessToken=", "app/1.0 accessToken=S3CRET", "app/1.0 accessToken=REDACTED"},
		{"refreshToken in JSON", `app/1.0 {"refreshToken":"S3CRET"}`, `app/1.0 {"refreshToken":"REDACTED"}`},
		{"authBasic:", "app/1.0 authBasic:" + basic, "app/1.0 authBasic:REDACTED"},
		{"an upper-case run before token", "app/1.0 myAPIToken=S3CRET", "app/1.0 myAPIToken=REDACTED"},
		{"all lower case", "app/1.0 accesstoken=S3CRET", "app/1.0 accesstoken=REDACTED"},
		{"assigned with an escaped colon", "app/1.0 authToken%3AS3CRET", "app/1.0 authToken%3AREDACTED"},
		{"a longer name then a slash", "MyToken/2.0 x", "MyToken/2.0 x"},
		{"a longer name then a version", "imToken 2.14.0 PureBasic 6.04 (x)", "imToken 2.14.0 PureBasic 6.04 (x)"},
		// A name whose value is another scheme's credentials: those are hidden.
		{"token in JSON holding a bearer credential", `app/1.0 {"accessToken":"Bearer S3CRET-opaque"}`, `app/1.0 {"accessToken":"Bearer REDACTED"}`},
		{"token= holding basic credentials", "app/1.0 (authToken=Basic " + basic + ")", "app/1.0 (authToken=Basic REDACTED)"},
		{"token in a Python dict holding a bearer credential", "app/1.0 {'token': 'Bearer S3CRET-opaque'}", "app/1.0 {'token': 'Bearer REDACTED'}"},
		{"token: Token", "app idToken: Token S3CRET", "app idToken: Token REDACTED"},
		{"bearer whose token is the word bearer", "app Bearer Bearer", "app Bearer REDACTED"},
		{"bearer and a no-break space", "app/1.0 Bearer\u00a0S3CRET", "app/1.0 Bearer\u00a0REDACTED"},
		{"bearer and a Latin-1 no-break space", "app/1.0 Bearer\xa0S3CRET", "app/1.0 Bearer\ufffdREDACTED"},
		{"bearer and a percent-encoded no-break space", "app/1.0 Bearer%C2%A0S3CRET", "app/1.0 Bearer%C2%A0REDACTED"},
		// A percent-encoded separator before the scheme word ends in a
		// letter or digit, and does not make the word part of a name.
		{"authorization=Bearer percent-encoded", "app/1.0 authorization%3DBearer%20S3CRET", "app/1.0 authorization%3DBearer%20REDACTED"},
		{"authorization:bearer percent-encoded, form spaces", "app/1.0 authorization%3abearer+S3CRET", "app/1.0 authorization%3abearer+REDACTED"},
		{"token=Bearer percent-encoded", "app/1.0 token%3DBearer%2BS3CRET", "app/1.0 token%3DBearer%2BREDACTED"},
		{"a scheme word after %2B", "app/1.0 x%2BToken%20S3CRET", "app/1.0 x%2BToken%20REDACTED"},
		{"a scheme word after %20", "app/1.0 x%20Token%20S3CRET", "app/1.0 x%20Token%20REDACTED"},
		// Quotes escaped as JSON in a string, or as HTML references.
		{"JSON-escaped quotes", `app/1.0 {\"token\":\"S3CRET\"}`, `app/1.0 {\"token\":\"REDACTED\"}`},
		{"bearer and an escaped quote", `app/1.0 Bearer \"S3CRET\"`, `app/1.0 Bearer \"REDACTED\"`},
		{"HTML-escaped quotes", "app/1.0 token=&quot;S3CRET&quot;", "app/1.0 token=&quot;REDACTED&quot;"},
		{"accessToken with HTML numeric quotes", "app/1.0 accessToken=&#39;S3CRET&#39;", "app/1.0 accessToken=&#39;REDACTED&#39;"},
		// Basic's user-id:password written out unencoded.
		{"basic user and password", "app/1.0 Basic user:S3CRET x", "app/1.0 Basic REDACTED x"},
		{"basic email and password", "app/1.0 Basic alice@example.com:P@ssS3CRET!#$ (x)", "app/1.0 Basic REDACTED (x)"},
		{"basic user and password quoted", `app/1.0 Basic "alice:p@S3CRET"`, `app/1.0 Basic "REDACTED"`},
		{"basic user-id starting with @", "deploy-bot/2.1 (Basic @ops:S3CRETZq8)", "deploy-bot/2.1 (Basic REDACTED)"},
		{"basic user-id starting with !", "app Basic !admin:S3CRET x", "app Basic REDACTED x"},
		{"basic password holding a bracket", "deploy-bot/2.1 (Basic ci-svc:Zq8]S3CRET#mP9!)", "deploy-bot/2.1 (Basic REDACTED)"},
		{"basic user-id not ASCII", "curl/8 Basic jürgen:S3CRETgeheim", "curl/8 Basic REDACTED"},
		{"basic password not ASCII", "curl/8 Basic jo:geheimS3CRETß€ x", "curl/8 Basic REDACTED x"},
		{"basic user-id in Latin-1", "curl/8 Basic j\xfcrgen:S3CRET x", "curl/8 Basic REDACTED x"},
		{"basic user and password, then a no-break space", "curl/8 Basic jo:S3CRET\u00a0x", "curl/8 Basic REDACTED\u00a0x"},
		{"basic user and password, then a Latin-1 no-break space", "curl/8 Basic jo:S3CRET\xa0x", "curl/8 Basic REDACTED\ufffdx"},
		{"basic, then a braced token and no space", "MyApp/2.3 (basic {token:S3CRET})", "MyApp/2.3 (basic {token:REDACTED})"},
		{"basic user-id and no password", "app/1.0 Basic sk_live_4f!S3CRET:", "app/1.0 Basic REDACTED"},
		// A scheme word and a separator inside a credential start another.
		{"basic user-id holding token=", "Basic svc-token=prod:S3CRET", "Basic REDACTED"},
		{"basic user-id holding +bearer+", "Basic ci+bearer+bot:S3CRET", "Basic REDACTED"},
		{"basic password holding basic+", "Basic alice:hunter2basic+S3CRET", "Basic REDACTED"},
		{"basic password holding token:", "Basic alice:pwToken:@S3CRET", "Basic REDACTED"},
		{"basic password holding a query", "Basic u:p?token=abc&x=S3CRET", "Basic REDACTED"},
		{"a token ending in bearer=", "Token /Bearer='S3CRET", "Token REDACTED"},
		{"a bearer token ending in token=", `Bearer abcToken="S3CRET`, "Bearer REDACTED"},
		{"a bearer token ending in bearer=", "Bearer xBearer='S3CRET", "Bearer REDACTED"},
		{"a token ending in basic=", "Token /basiC= S3CRET)", "Token REDACTED)"},
		{"a bearer token ending in token, then a space", "Bearer abcToken S3CRET", "Bearer REDACTED"},
		{"a bearer token ending in token, then a no-break space", "Bearer abcToken\u00a0S3CRET", "Bearer REDACTED"},
		{"a bearer token ending in basic, then user and password", "Bearer abcBasic alice:S3CRET", "Bearer REDACTED"},
		{"a bearer token ending in digits and bearer", "Bearer abc123bearer S3CRET", "Bearer REDACTED"},
		// JSON may escape "/" (PHP's json_encode does by default).
		{"a bearer token holding an escaped solidus", `app/1.0 {"auth":"Bearer FwoGZXIvYXdz\/EKn8S3CRET+abc"}`, `app/1.0 {"auth":"Bearer REDACTED"}`},
		{"basic credentials holding an escaped solidus", `app/1.0 {"authorization":"Basic dXNlcjpTM0NS\/RVQ="}`, `app/1.0 {"authorization":"Basic REDACTED"}`},
		{"a bearer token holding a JSON-escaped solidus", `Bearer abc\u002FS3CRET x`, `Bearer REDACTED x`},
		{"basic email and no password", "app/1.0 Basic alice@S3CRET.com:", "app/1.0 Basic REDACTED"},
		{"basic password holding a zero-width joiner", "app/1.0 Basic jo:pw\u200dS3CRET", "app/1.0 Basic REDACTED"},
		{"basic password holding a soft hyphen", "app/1.0 Basic jo:pw\u00adS3CRET", "app/1.0 Basic REDACTED"},
		{"basic Latin-1 password that reads as UTF-8", "app/1.0 Basic jo:pw\xdf\xbbS3CRET", "app/1.0 Basic REDACTED"},
		// Written out, Basic's credentials end where another scheme's start.
		{"basic user and password, then a bracketed token", "MyApp/1.0 [auth: Basic ops:pw][Token: S3CRET]", "MyApp/1.0 [auth: Basic REDACTED]"},
		{"basic user and password, then a quoted token", `MyApp/1.0 [auth: Basic ops:pw][token="S3CRET"]`, `MyApp/1.0 [auth: Basic REDACTED"]`},
		{"basic user not ASCII, then token", "curl/8 Basic jürgen:pw&token: S3CRET", "curl/8 Basic REDACTED"},
		{"basic user in Latin-1, then bearer", "curl/8 Basic j\xfcrgen:pw/Bearer S3CRET", "curl/8 Basic REDACTED"},
		{"basic user-id starting with @, then token", `app/1.0 Basic @ops:S3CRET]&token="S3CRET2"`, `app/1.0 Basic REDACTED"`},
		// A bracket after Basic opens a comment, not a user-id.
		{"visual basic and a build", "Visual Basic (build:1234)", "Visual Basic (build:1234)"},
		{"basic and a crawler's URL", "MyCrawler/1.0 Basic (+http://example.com/bot)", "MyCrawler/1.0 Basic (+http://example.com/bot)"},
		{"basic and a bracketed version", "Zoom Basic [Version:5.17.0]", "Zoom Basic [Version:5.17.0]"},
		{"basic and a mail address", "MyBot/1.0 (Basic <mailto:ops@example.com>)", "MyBot/1.0 (Basic <mailto:ops@example.com>)"},
		{"a version glued to the scheme word", "app/1.0Bearer S3CRET", "app/1.0Bearer REDACTED"},
		{"a browser version glued to the scheme word", "Chrome/120.0.0.0Token S3CRET", "Chrome/120.0.0.0Token REDACTED"},
		{"HTML hex quote references", "app/1.0 token=&#x27;S3CRET&#x27;", "app/1.0 token=&#x27;REDACTED&#x27;"},
		{"HTML quote references with leading zeros", "app/1.0 token=&#039;S3CRET&#039; accessToken=&#X0022;S3CRET", "app/1.0 token=&#039;REDACTED&#039; accessToken=&#X0022;REDACTED"},
		{"JSON's escaped quote", `app/1.0 {\u0022token\u0022:\u0022S3CRET\u0022}`, `app/1.0 {\u0022token\u0022:\u0022REDACTED\u0022}`},
		{"an HTML reference to another character is no separator", "app/1.0 Token&#65;xyz", "app/1.0 Token&#65;xyz"},
		// Basic's written-out form starts as a user name does: a bracket or
		// another scheme after Basic is not its credential.
		{"basic, then a bracketed bearer", "Mozilla/5.0 (compatible; auth basic <Bearer S3CRET>)", "Mozilla/5.0 (compatible; auth basic <Bearer REDACTED>)"},
		{"basic, then a braced token", "MyApp/2.3 (basic {token: S3CRET})", "MyApp/2.3 (basic {token: REDACTED})"},
		{"basic, then a parenthesised bearer", "Basic: (Bearer S3CRET)", "Basic: (Bearer REDACTED)"},
		// Credentials ending with a scheme word and a separator.
		{"a slash, then bearer", "Token&#x27;/Bearer:S3CRET", "Token&#x27;/Bearer:REDACTED"},
		{"a digit, then token", `0Token\0Token:S3CRET`, `0Token\REDACTED`},
		{"a secret ending in a scheme word", "app Bearer S3CRETmytoken:S3CRET2", "app Bearer REDACTED"},
		{"a hyphen, then bearer", `token\u0022-Bearer S3CRET`, `token\u0022-Bearer REDACTED`},
		// An escape before the scheme word ends in a letter or digits: no name.
		{"JSON's escaped quote before bearer", `{\u0022auth\u0022:\u0022Bearer S3CRET\u0022}`, `{\u0022auth\u0022:\u0022Bearer REDACTED\u0022}`},
		{"Python's escaped quote before bearer", `b'\x22Bearer S3CRET\x22'`, `b'\x22Bearer REDACTED\x22'`},
		{"an escaped single quote before token", `auth=\u0027Token S3CRET\u0027`, `auth=\u0027Token REDACTED\u0027`},
		{"an escaped no-break space before bearer", `\u00a0Bearer S3CRET`, `\u00a0Bearer REDACTED`},
		// A digit before the word is part of a name too.
		{"a name with a digit, then a version", "Web3Token 1.2.3 v2Token 1.0", "Web3Token 1.2.3 v2Token 1.0"},
		{"a name with a digit, assigned", "app web3Token=S3CRET", "app web3Token=REDACTED"},
		{"token= in a comment", "app/1.0 (token=S3CRET)", "app/1.0 (token=REDACTED)"},
		{"a JWT with percent-encoded dots", "app/1.0 eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0%2EeyJzdWIiOiJTM0NSRVQifQ%2ec2lnbmF0dXJl", "app/1.0 REDACTED"},
		{"a word starting with token", "Tokenizer/3.1 tokens", "Tokenizer/3.1 tokens"},
		{"token with a version", "Token/1.0", "Token/1.0"},
		{"eyJ and %2E too short for a header", "app/1.0 eyJa%2Ex", "app/1.0 eyJa%2Ex"},
		// A JWS header is JSON, which may start with white space.
		{"a JWT whose header starts with a space", "app/1 " + spacedJWT, "app/1 REDACTED"},
		{"a JWT whose header starts with a newline, after %20", "app/1%20" + newlineJWT, "app/1%20REDACTED"},
		{"a JWT whose header starts with a space, glued to a scheme word", "app/1 Bearer:" + spacedJWT, "app/1 Bearer:REDACTED"},
		{"a dotted word that does not decode to an object", "app/1 abcdefghijklmnop.qrstu.vwxyz", "app/1 abcdefghijklmnop.qrstu.vwxyz"},
		// A scheme word glued to a JWT's end starts another credential.
		{"a JWT, then a name ending in token", "app/1.0 eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.refreshToken=S3CRET", "app/1.0 REDACTED"},
		{"a JWT whose header starts with a space, then bearer", "app/1 " + spacedJWT + "Bearer'S3CRET", "app/1 REDACTED"},
		{"a JWT, then names ending in token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig.refreshToken=x_idToken='S3CRET", "REDACTED"},
		{"a JWT, then a scheme word and its credentials", "eyJhbGciOiJIUzI1NiJ9.e30.sigToken S3CRET", "REDACTED"},
		// White space, "{" and a member: a word that decodes to less is no header.
		{"a word decoding to white space and { alone", "IHsomethingLinux1.0 x", "IHsomethingLinux1.0 x"},
		{"a word decoding to a newline and { alone", "Cnsole-Agent-Build-1.0.2", "Cnsole-Agent-Build-1.0.2"},
		// A value assigned to a secret's name.
		{"client_secret=", "ci-bot/2 client_secret=S3CRET", "ci-bot/2 client_secret=REDACTED"},
		{"password= in a comment", "app/1.0 (user=ops; password=S3CRET)", "app/1.0 (user=ops; password=REDACTED)"},
		{"a JSON password", `{"app":"x","Password":"p@ss/S3CRET"}`, `{"app":"x","Password":"REDACTED"}`},
		{"passwd: with spaces", "tool/1 passwd : S3CRET", "tool/1 passwd : REDACTED"},
		{"an API key header written in", "app/1 X-Api-Key:S3CRET", "app/1 X-Api-Key:REDACTED"},
		{"apikey, percent-encoded =", "app/1 apikey%3DS3CRET", "app/1 apikey%3DREDACTED"},
		{"a camel-case secret", "app/1 clientSecret='S3CRET'", "app/1 clientSecret='REDACTED'"},
		{"an escaped JSON password", `{\"password\":\"S3CRET\"}`, `{\"password\":\"REDACTED"}`},
		{"a secret name after a token", "app Bearer abc;def x Token abc]password=S3CRET", "app Bearer REDACTED;def x Token REDACTED]password=REDACTED"},
		{"a secret name ending a JWT", "app/1.0 eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.password=S3CRET", "app/1.0 REDACTED"},
		{"a form's bracketed name", "app/1 user[password]=S3CRET&x=1", "app/1 user[password]=REDACTED"},
		{"Ruby's hash rocket", "app/1 {:api_key => 'S3CRET'}", "app/1 {:api_key => 'REDACTED'}"},
		// A secret's value that is a list or an object is hidden whole.
		{"a JSON array", `{"client_secret":["S3CRET"]}`, `{"client_secret":REDACTED}`},
		{"a JSON object", `{"password":{"v":"S3CRET","w":"S3CRET2"},"app":"x"}`, `{"password":REDACTED,"app":"x"}`},
		{"a YAML flow sequence", "app/1 (apikey: [S3CRET, S3CRET2]) x", "app/1 (apikey: REDACTED) x"},
		{"brackets in a string", `{"password":[{"v":"]}S3CRET"}, "S3CRET"]}`, `{"password":REDACTED}`},
		{"an escaped JSON array", `{\"password\":[\"S3CRET\"]}`, `{\"password\":REDACTED`},
		{"an escaped backslash ending a string", `{"password":["a\\", "x]", "S3CRET"]}`, `{"password":REDACTED}`},
		{"a Python list", `{'password': ['x]', 'S3CRET']}`, `{'password': REDACTED}`},
		{"an empty object, then the value", "app passwd={}S3CRET", "app passwd=REDACTED"},
		{"a closing bracket, then the value", "app passwd=[a]]S3CRET", "app passwd=REDACTED"},
		{"an array left open", `{"password":["S3CRET", "S3CRET2`, `{"password":REDACTED`},
		{"a quoted name of a secret in prose", `Game/1.2 ("Top Secret" edition; Windows) curl/8.4.0 'secret' mode`, `Game/1.2 ("Top Secret" edition; Windows) curl/8.4.0 'secret' mode`},
		{"secret, password and api key not assigned", "Secret Agent/1.0 PasswordSafe/3 passwords/2 ApiKeyManager 1.0 secret-santa", "Secret Agent/1.0 PasswordSafe/3 passwords/2 ApiKeyManager 1.0 secret-santa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.InfoLevel)
			h := httpapi.NewHandler(httpapi.HandlerConfig{}, newVerifier(), zap.New(core))
			req := httptest.NewRequest(http.MethodGet, "/api/public", nil)
			req.Header.Set("User-Agent", tt.in)
			h.ServeHTTP(httptest.NewRecorder(), req)
			got, _ := logs.All()[0].ContextMap()["user_agent"].(string)
			if got != tt.want {
				t.Errorf("got user_agent %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "S3CRET") || strings.Contains(got, "eyJzdWIi") || strings.Contains(got, "TM0NSRVQ") {
				t.Errorf("got user_agent %q, want no token in it", got)
			}
		})
	}
}
