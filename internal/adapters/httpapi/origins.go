package httpapi

import (
	"errors"
	"net/url"
	"strings"

	"go.uber.org/zap"
)

// Why an allowed CORS origin is refused (CheckOrigin).
var (
	// ErrOriginUserinfo: the entry has user information, a credential that
	// is never to be echoed, and no Origin header ever carries one.
	ErrOriginUserinfo = errors.New("has user information; an origin is scheme://host[:port], such as https://app.example.com")
	// ErrOriginNotExact: not scheme://host[:port], or a pattern.
	ErrOriginNotExact = errors.New("is not an exact origin such as https://app.example.com")
)

// CheckOrigin returns nil when o is an exact origin, http or https
// scheme://host[:port] (RFC 6454 §6.1) as browsers send it in Origin, and
// otherwise ErrOriginUserinfo or ErrOriginNotExact. It is a gate in front
// of go-chi/cors, which reads a "*" anywhere as a wildcard ("https://*"
// allows every https origin) and would keep an entry no Origin can match.
func CheckOrigin(o string) error {
	if strings.Contains(o, "@") {
		return ErrOriginUserinfo
	}
	u, err := url.Parse(o)
	if strings.Contains(o, "*") || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#") {
		return ErrOriginNotExact
	}
	return nil
}

// exactOrigins drops, with a warning, the allowed origins CheckOrigin
// refuses (config validation refuses them before the handler sees them).
// One with user information is named by its position only.
func exactOrigins(origins []string, log *zap.Logger) []string {
	var exact []string
	for i, o := range origins {
		switch err := CheckOrigin(o); {
		case errors.Is(err, ErrOriginUserinfo):
			log.Warn("CORS origin ignored", zap.Int("entry", i+1), zap.String("why", err.Error()))
		case err != nil:
			log.Warn("CORS origin ignored", zap.String("origin", o), zap.String("why", err.Error()))
		default:
			exact = append(exact, o)
		}
	}
	return exact
}
