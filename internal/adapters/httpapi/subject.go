package httpapi

// The token's subject as the access line shows it.

import "github.com/example/messages-api/internal/adapters/logtext"

// maxSubject bounds the subject on the access line (Auth0's are well under
// 100 bytes: "auth0|" and an id, or a client id and "@clients").
const maxSubject = 256

// subject is a token's sub as the access line shows it: cut to maxSubject
// bytes at a character boundary, display controls replaced as in the user
// agent, and cut again, since U+FFFD can be longer than what it replaces.
// Gate: sub is the tenant's string (a custom database connection
// chooses its users' ids), and the line is written per request; a clean
// one is returned as it is, with no allocation.
func subject(sub string) string {
	return logtext.Cut(logtext.ReplaceControls(logtext.Cut(sub, maxSubject)), maxSubject)
}
