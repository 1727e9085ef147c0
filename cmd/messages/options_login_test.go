package main

import (
	"strings"
	"testing"
)

func TestLoginOptions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    string
		wantClient string
		wantScopes string
	}{
		{"dev defaults", []string{"-dev", "-login", "-print-token"}, "", "dev-cli", "read:messages offline_access"},
		{"given scopes", []string{"-dev", "-login", "-scope", "openid read:messages", "/api/private"}, "", "dev-cli", "openid read:messages offline_access"},
		{"offline_access not doubled", []string{"-dev", "-login", "-scope", "offline_access", "/api/private"}, "", "dev-cli", "offline_access"},
		{"no secret for a public client", []string{"-dev", "-login", "-client-secret", "s", "/api/private"}, "takes no client secret", "", ""},
		{"-no-browser alone", []string{"-dev", "-no-browser", "/api/private"}, "-no-browser and -redirect-port go with -login", "", ""},
		{"-redirect-port alone", []string{"-dev", "-redirect-port", "8484", "/api/private"}, "-no-browser and -redirect-port go with -login", "", ""},
		{"-redirect-port out of range", []string{"-dev", "-login", "-redirect-port", "70000", "/api/private"}, "want a port from 1 to 65535", "", ""},
		{"-redirect-port one past the range", []string{"-dev", "-login", "-redirect-port", "65536", "/api/private"}, "-redirect-port 65536: want a port from 1 to 65535", "", ""},
		{"-redirect-port -1", []string{"-dev", "-login", "-redirect-port", "-1", "/api/private"}, "-redirect-port -1: want a port from 1 to 65535", "", ""},
		{"-redirect-port 65535", []string{"-dev", "-login", "-redirect-port", "65535", "/api/private"}, "", "dev-cli", "read:messages offline_access"},
		{"no client id", []string{"-login", "-domain", "t.example", "-audience", "a", "/api/private"}, "your Native application's client id", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, func(string) string { return "" }, &strings.Builder{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if o.clientID != tt.wantClient || strings.Join(o.scopes, " ") != tt.wantScopes || o.clientSecret != "" {
				t.Errorf("got client %q, scopes %q, secret set %v; want %q, %q, none", o.clientID, strings.Join(o.scopes, " "), o.clientSecret != "", tt.wantClient, tt.wantScopes)
			}
		})
	}
}
