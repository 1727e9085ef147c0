package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUsageErrors(t *testing.T) {
	full := map[string]string{
		"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
		"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": "s3cret-value",
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no PATH", full, nil, "PATH is missing"},
		{"two PATHs", full, []string{"/a", "/b"}, "want one PATH, got 2"},
		{"nothing set", nil, []string{"/api/private"}, "set AUTH0_DOMAIN"},
		{"no audience", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com"}, []string{"/api/private"}, "set AUTH0_AUDIENCE"},
		{"no secret", map[string]string{"AUTH0_DOMAIN": "x.auth0.com", "AUTH0_AUDIENCE": "a", "AUTH0_CLIENT_ID": "c"}, []string{"/api/private"}, "set AUTH0_CLIENT_SECRET"},
		{"http tenant not on loopback", full, []string{"-domain", "http://example.eu.auth0.com", "/api/private"}, "must use https"},
		{"tenant with a path", full, []string{"-domain", "example.eu.auth0.com/oauth", "/api/private"}, "is not a tenant domain"},
		{"http API not on loopback", full, []string{"-api", "http://api.example.com", "/api/private"}, "would travel unencrypted"},
		{"API with a query", full, []string{"-api", "https://api.example.com/?x=1", "/api/private"}, "must not have user info, a query or a fragment"},
		// Refused before a token is fetched for a call that cannot be made.
		{"API port out of range", full, []string{"-api", "http://127.0.0.1:99999", "/api/private"}, `API URL "http://127.0.0.1:99999" has a port that is not 1 to 65535`},
		{"API port 0", full, []string{"-api", "http://127.0.0.1:0", "/api/private"}, "has a port that is not 1 to 65535"},
		{"API with an empty port", full, []string{"-api", "https://api.example.com:/", "/api/private"}, "has a port that is not 1 to 65535"},
		{"API port with a sign", full, []string{"-api", "http://127.0.0.1:+80", "/api/private"}, "API URL"},
		// A credential put in a URL by mistake is never repeated.
		{"API with user info", full, []string{"-api", "https://user:s3cret-value@api.example.com", "/api/private"}, `API URL "https://REDACTED@api.example.com" must not have user info`},
		{"API with a key in the query", full, []string{"-api", "https://api.example.com/?key=s3cret-value", "/api/private"}, `API URL "https://api.example.com/?REDACTED" must not have`},
		{"API with a token in the fragment", full, []string{"-api", "https://api.example.com/#s3cret-value", "/api/private"}, `API URL "https://api.example.com/#REDACTED" must not have`},
		{"unparsable API URL with user info", full, []string{"-api", "https://user:s3cret-value@api.example.com:bad/", "/api/private"}, "is not an absolute http(s) URL"},
		{"tenant with a key in the query", full, []string{"-domain", "example.eu.auth0.com/?key=s3cret-value", "/api/private"}, "is not a tenant domain"},
		{"URL with user info as PATH", full, []string{"https://user:s3cret-value@evil.example/api/private"}, `PATH "https://REDACTED@evil.example/api/private" must be a path`},
		{"a second PATH with user info", full, []string{"/api/private", "https://user:s3cret-value@evil.example/"}, `want one PATH, got 2: ["/api/private" "https://REDACTED@evil.example/"]`},
		{"a second PATH with a key in the query", full, []string{"/api/private", "/x?key=s3cret-value"}, `want one PATH, got 2: ["/api/private" "/x?REDACTED"]`},
		// "-client-secret= s3cret": the flag is empty and the secret an argument.
		{"a secret that lost its flag", full, []string{"-client-secret=", "s3cret-value", "/api/private"}, `want one PATH, got 2: ["(not shown)" "/api/private"]`},
		{"an empty PATH", full, []string{""}, "PATH is empty"},
		{"a PATH with a newline", full, []string{"/api/private\nx"}, `PATH "/api/private\nx" is not a path such as /api/private: it holds a control character`},
		{"a URL with user info and a bad escape as PATH", full, []string{"//user:s3cret-value@api.example.com/api/%zz"}, `PATH "REDACTED@api.example.com/api/%zz" must be a path on the API such as /api/private, not a URL`},
		{"a URL with a bad escape as PATH", full, []string{"https://api.example.com/api/%zz"}, "not a URL"},
		{"a flag with a secret after --", full, []string{"/api/private", "--", "-client-secret=s3cret-value"}, `want one PATH, got 2: ["/api/private" "-client-secret=(not shown)"]`},
		{"PORT=0 under -dev", map[string]string{"PORT": "0"}, []string{"-dev", "/api/private"}, "-dev finds the API at HOST and PORT, as the service does, and http://127.0.0.1:0 cannot be called"},
		{"a PATH with a bad escape", full, []string{"/api/%zz"}, `PATH "/api/%zz" is not a path such as /api/private: it holds a control character or a % not followed by two hex digits`},
		{"an empty -domain", full, []string{"-dev", "-domain", " ", "/api/private"}, "-domain is empty: give a value, or leave the flag out"},
		{"an empty -api", full, []string{"-api=", "/api/private"}, "-api is empty"},
		{"an empty -audience", full, []string{"-audience", "", "/api/private"}, "-audience is empty"},
		{"an empty -client-id", full, []string{"-client-id", "", "/api/private"}, "-client-id is empty"},
		{"an empty -client-secret", full, []string{"-client-secret", "", "/api/private"}, "-client-secret is empty"},
		// Empty, it would fall back to every scope the client was granted: a wider token.
		{"an empty -scope", full, []string{"-scope", "", "/api/private"}, "-scope is empty"},
		{"a blank -scope with -login", full, []string{"-dev", "-login", "-scope", " ", "/api/private"}, "-scope is empty"},
		{"-audience with a list", full, []string{"-audience", "https://a,https://b", "/api/private"}, `-audience "https://a,https://b" is a list: a token is requested for one audience`},
		{"a blank PATH", full, []string{" "}, "PATH is empty"},
		{"a token cache that is a directory", full, []string{"-token-cache", "newdir/", "/api/private"}, `-token-cache "newdir/" is not the path of a file`},
		{"a token cache of .", full, []string{"-token-cache", ".", "/api/private"}, `-token-cache "." is not the path of a file`},
		{"a token cache of ..", full, []string{"-token-cache", "a/..", "/api/private"}, `-token-cache "a/.." is not the path of a file`},
		{"an empty token cache", full, []string{"-token-cache", "", "/api/private"}, `-token-cache "" is not the path of a file`},
		{"URL as PATH", full, []string{"https://evil.example/api/private"}, "not a URL"},
		{"PATH with a scheme and no host", full, []string{"http:/api/private"}, "not a URL"},
		{"PATH of three slashes", full, []string{"///evil.example/x"}, "not a URL"},
		{"PATH with a fragment", full, []string{"/api/private#x"}, "not a URL"},
		{"API URL with an empty query", full, []string{"-api", "https://api.example.com/?", "/api/private"}, "must not have user info, a query or a fragment"},
		{"API URL without a host", full, []string{"-api", "https:///api", "/api/private"}, "is not an absolute http(s) URL"},
		{"scheme-relative PATH", full, []string{"//evil.example/api/private"}, "not a URL"},
		// A .env shared with the service, whose AUTH0_AUDIENCE is a list.
		{"audience a list", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://a.example.com, https://b.example.com",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": "s3cret-value"}, []string{"/api/private"},
			`the audience "https://a.example.com, https://b.example.com" is a list, as the service reads AUTH0_AUDIENCE; a token is requested for one: pass -audience with the one to ask for`},
		// docker run --env-file keeps quotes: the tenant would refuse the
		// client, or know no such API. Named, the value never shown.
		{"secret in quotes", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": `"s3cret-value"`}, []string{"/api/private"},
			"AUTH0_CLIENT_SECRET is wrapped in quotes, which would be part of the value: remove them"},
		{"audience in quotes", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "'https://messages-api.example.com'",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": "s3cret-value"}, []string{"/api/private"},
			"AUTH0_AUDIENCE is wrapped in quotes"},
		// Quotes inside spaces (an .env line "KEY= \"value\" ") are still quotes.
		{"secret in quotes inside spaces", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": ` "s3cret-value" `}, []string{"/api/private"},
			"AUTH0_CLIENT_SECRET is wrapped in quotes"},
		{"secret of two quote marks", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": `""`}, []string{"/api/private"},
			"AUTH0_CLIENT_SECRET is wrapped in quotes"},
		{"client id in quotes", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
			"AUTH0_CLIENT_ID": `"abc"`, "AUTH0_CLIENT_SECRET": "s3cret-value"}, []string{"/api/private"},
			"AUTH0_CLIENT_ID is wrapped in quotes"},
		{"API_URL in quotes", map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://messages-api.example.com",
			"AUTH0_CLIENT_ID": "abc", "AUTH0_CLIENT_SECRET": "s3cret-value", "API_URL": `"https://api.example.com"`}, []string{"/api/private"},
			"API_URL is wrapped in quotes"},
		{"zero calls", full, []string{"-n", "0", "/api/private"}, "-n 0: want 1 to 1000 calls"},
		{"too many calls", full, []string{"-n", "1001", "/api/private"}, "-n 1001"},
		{"zero timeout", full, []string{"-timeout", "0s", "/api/private"}, "-timeout 0s must be positive"},
		{"unknown flag", full, []string{"-prod", "/api/private"}, "flag provided but not defined: -prod"},
		// After "--", flags are arguments, wherever it stands.
		{"a flag after --", full, []string{"--", "/api/private", "-n", "5"}, `want one PATH, got 3: ["/api/private" "-n" "5"]`},
		{"a flag after a PATH and --", full, []string{"/api/private", "--", "-n", "5"}, `want one PATH, got 3: ["/api/private" "-n" "5"]`},
		// "--" as a string flag's value ends no flags.
		{"-- as a flag's value", full, []string{"-scope", "--", "/api/private", "-n", "0"}, "-n 0: want 1 to 1000 calls"},
		{"-- as the value of a flag after one that takes a value", full, []string{"-scope", "-n", "-audience", "--", "/api/private", "-n", "0"}, "-n 0: want 1 to 1000 calls"},
		{"-- after a bool flag ends the flags", full, []string{"-print-token", "--", "/api/private", "-n", "0"}, `want one PATH, got 3: ["/api/private" "-n" "0"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			if r.code != 2 {
				t.Errorf("got exit code %d, want 2", r.code)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("got stderr %q, want it to contain %q", r.stderr, tt.want)
			}
			if strings.Contains(r.stdout+r.stderr, "s3cret-value") {
				t.Errorf("got the client secret in the output, want it never printed")
			}
		})
	}
	t.Run("-h", func(t *testing.T) {
		r := runCmd(t, nil, "-h")
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: messages") {
			t.Errorf("got exit code %d and stdout %.40q, want 0 and the usage", r.code, r.stdout)
		}
	})
}

func TestOptions(t *testing.T) {
	env := map[string]string{
		"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://env.example",
		"AUTH0_CLIENT_ID": "env-client", "AUTH0_CLIENT_SECRET": "env-secret", "API_URL": "https://api.example.com/",
	}
	tests := []struct {
		name         string
		args         []string
		env          map[string]string
		wantTokenURL string
		wantAudience string
		wantClient   string
		wantSecret   string
		wantTarget   string
		wantCalls    int
	}{
		{"environment", []string{"/api/private"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/api/private", 1},
		{"domain with scheme, slash and capitals", []string{"-domain", "HTTPS://Example.EU.auth0.com/", "api/public"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/api/public", 1},
		{"flags win over the environment", []string{"-api", "https://other.example/base/", "-audience", "a", "-client-id", "c", "/x?y=1"}, env,
			"https://example.eu.auth0.com/oauth/token", "a", "c", "env-secret", "https://other.example/base/x?y=1", 1},
		{"-dev wins over the environment", []string{"-dev", "/api/private"}, env,
			"http://127.0.0.1:3011/oauth/token", "https://messages-api.dev", "dev-reader", "dev-reader-secret", "https://api.example.com/api/private", 1},
		{"-dev knows the dev clients' secrets", []string{"-dev", "-client-id", "dev-nobody", "/api/private"}, nil,
			"http://127.0.0.1:3011/oauth/token", "https://messages-api.dev", "dev-nobody", "dev-nobody-secret", "http://127.0.0.1:3010/api/private", 1},
		{"flags win over -dev", []string{"-dev", "-domain", "localhost:1234", "/api/private", "-n", "3"}, nil,
			"https://localhost:1234/oauth/token", "https://messages-api.dev", "dev-reader", "dev-reader-secret", "http://127.0.0.1:3010/api/private", 3},
		{"http loopback tenant", []string{"-domain", "http://[::1]:3011/", "/p"}, env,
			"http://[::1]:3011/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/p", 1},
		{"flags and the environment trimmed, 1000 calls", []string{"-audience", " a ", "-n", "1000", "/p"}, map[string]string{"AUTH0_DOMAIN": " example.eu.auth0.com ",
			"AUTH0_CLIENT_ID": " env-client ", "AUTH0_CLIENT_SECRET": "env-secret", "API_URL": "https://api.example.com/"},
			"https://example.eu.auth0.com/oauth/token", "a", "env-client", "env-secret", "https://api.example.com/p", 1000},
		{"a flag trimmed", []string{"-client-id", " c ", "/p"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "c", "env-secret", "https://api.example.com/p", 1},
		{"-insecure lets plain http through", []string{"-insecure", "-api", "http://api.example.com", "/p"}, env,
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "http://api.example.com/p", 1},
		// The service reads this AUTH0_AUDIENCE as one audience; it is no list.
		{"an audience with a trailing comma", []string{"/p"}, map[string]string{"AUTH0_DOMAIN": "example.eu.auth0.com", "AUTH0_AUDIENCE": "https://env.example, ",
			"AUTH0_CLIENT_ID": "env-client", "AUTH0_CLIENT_SECRET": "env-secret", "API_URL": "https://api.example.com/"},
			"https://example.eu.auth0.com/oauth/token", "https://env.example", "env-client", "env-secret", "https://api.example.com/p", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn bytes.Buffer
			o, err := parseOptions(tt.args, func(k string) string { return tt.env[k] }, &warn)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got := []any{o.tokenURL, o.audience, o.clientID, o.clientSecret, o.api.String() + o.path, o.calls}
			want := []any{tt.wantTokenURL, tt.wantAudience, tt.wantClient, tt.wantSecret, tt.wantTarget, tt.wantCalls}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("got %v, want %v", got, want)
					break
				}
			}
		})
	}
	t.Run("secret flag warns", func(t *testing.T) {
		var warn bytes.Buffer
		if _, err := parseOptions([]string{"-client-secret", "flag-secret", "/p"}, func(k string) string { return env[k] }, &warn); err != nil {
			t.Fatal(err)
		}
		if want := "prefer AUTH0_CLIENT_SECRET"; !strings.Contains(warn.String(), want) || strings.Contains(warn.String(), "flag-secret") {
			t.Errorf("got warning %q, want it to contain %q and not the secret", warn.String(), want)
		}
	})
}

// TestEmptyFlagSaidAlone: a flag given empty is the run's one fault about
// that value, not followed by what the environment or -dev it fell back to
// would have said; the run's other faults are still said.
func TestEmptyFlagSaidAlone(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"-domain without -dev or the environment", map[string]string{"AUTH0_CLIENT_SECRET": "s"}, []string{"-domain", "", "-audience", "https://x", "-client-id", "a", "/api/private"}, "-domain is empty"},
		{"-audience over a listed AUTH0_AUDIENCE", map[string]string{"AUTH0_AUDIENCE": "a,b"}, []string{"-dev", "-audience", "", "/api/private"}, "-audience is empty"},
		{"-client-secret without the environment", nil, []string{"-dev", "-client-id", "other", "-client-secret=", "/api/private"}, "-client-secret is empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.env, tt.args...)
			want := "messages: " + tt.want + ": give a value, or leave the flag out\n"
			if r.code != 2 || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "messages: ") != 1 {
				t.Errorf("got exit code %d and stderr %q, want 2 and the one line %q", r.code, r.stderr, want)
			}
		})
	}
	t.Run("other faults still said", func(t *testing.T) {
		env := map[string]string{"AUTH0_DOMAIN": "a.auth0.com", "AUTH0_CLIENT_ID": "c", "AUTH0_CLIENT_SECRET": `"x"`}
		r := runCmd(t, env, "-api", "", "-audience", "https://a,https://b", "/api/private")
		for _, want := range []string{"-api is empty", `-audience "https://a,https://b" is a list`, "AUTH0_CLIENT_SECRET is wrapped in quotes"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("got stderr %q, want it to say %q", r.stderr, want)
			}
		}
	})
	t.Run("-login's own word for a secret", func(t *testing.T) {
		r := runCmd(t, nil, "-dev", "-login", "-client-secret=", "/api/private")
		if want := "-login is a public client's login and takes no client secret"; !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "-client-secret is empty") {
			t.Errorf("got stderr %q, want it to say %q and not that the flag is empty", r.stderr, want)
		}
	})
}
