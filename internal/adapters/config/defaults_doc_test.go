package config_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"github.com/example/messages-api/configs"
	"github.com/example/messages-api/internal/adapters/admin"
	"github.com/example/messages-api/internal/adapters/auth0"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/devtenant"
	"github.com/example/messages-api/internal/adapters/httpapi"
)

// TestDefaultsNameEachVariable: configs/config.yaml says that environment
// variables are in brackets next to the setting they override; each
// variable of config.Env is there once, at its own setting, and the file
// names no variable the service does not read.
func TestDefaultsNameEachVariable(t *testing.T) {
	setting := regexp.MustCompile(`^( *)([a-z0-9_]+):`)
	bracket := regexp.MustCompile(`\[([A-Z][A-Z0-9_]*)\]`)
	var stack []string // the keys enclosing the current line, by indentation (two spaces a level)
	named := map[string][]string{}
	for _, line := range strings.Split(string(configs.Default), "\n") {
		m := setting.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		depth := len(m[1]) / 2
		stack = append(stack[:min(depth, len(stack))], m[2])
		for _, b := range bracket.FindAllStringSubmatch(line, -1) {
			named[b[1]] = append(named[b[1]], strings.Join(stack, "."))
		}
	}
	for name, key := range config.Env {
		if got := named[name]; len(got) != 1 || got[0] != key {
			t.Errorf("got [%s] at %v in configs/config.yaml, want it once, at %s", name, got, key)
		}
	}
	for name, keys := range named {
		if _, ok := config.Env[name]; !ok {
			t.Errorf("got [%s] at %v in configs/config.yaml, which the service does not read", name, keys)
		}
	}
}

// TestReadmeTableMatchesDefaults: the README's Configuration table pairs
// each variable with its setting and default, and operators set the service
// from it; each row of config.Env must be there with the setting it
// overrides, and a default written as one value must be configs/config.yaml's.
func TestReadmeTableMatchesDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defaults := koanf.New(".")
	if err := defaults.Load(rawbytes.Provider(configs.Default), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]*)` \\| `([a-z0-9_.]+)` \\| ([^|]*) \\|")
	rows := map[string][2]string{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = [2]string{m[2], strings.TrimSpace(m[3])}
	}
	for name, key := range config.Env {
		got, ok := rows[name]
		if !ok {
			t.Errorf("got no row for %s in the README's Configuration table, want one for %s", name, key)
			continue
		}
		if got[0] != key {
			t.Errorf("got %s at %s in the README, want %s", name, got[0], key)
		}
		// Only a default written as one value is compared: "(required)",
		// "none" and "all interfaces" describe an empty one.
		shown, ok := strings.CutPrefix(got[1], "`")
		if !ok || !strings.HasSuffix(shown, "`") || strings.Count(shown, "`") != 1 {
			continue
		}
		shown = strings.TrimSuffix(shown, "`")
		if want := fmt.Sprint(defaults.Get(key)); shown != want {
			t.Errorf("got default %s for %s (%s) in the README, want %s as in configs/config.yaml", shown, name, key, want)
		}
	}
}

// TestDefaultsMatchThePackages: each package works without this loader and
// fills its own defaults in for zero values; configs/config.yaml must give
// the same ones, or the service would differ from the package it runs.
func TestDefaultsMatchThePackages(t *testing.T) {
	c, err := config.Load(false, "", base)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"admin.addr", c.Admin.Addr, admin.DefaultAddr},
		{"dev_tenant.addr", c.DevTenant.Addr, devtenant.DefaultAddr},
		{"dev_tenant.token_ttl", c.DevTenant.TokenTTL, devtenant.DefaultTokenTTL},
		{"auth0.leeway", c.Auth0.Leeway, auth0.DefaultLeeway},
		{"auth0.max_token_bytes", c.Auth0.MaxTokenBytes, auth0.DefaultMaxTokenBytes},
		{"auth0.cache_size", c.Auth0.CacheSize, auth0.DefaultCacheSize},
		{"auth0.reject_cache_size", c.Auth0.RejectCacheSize, auth0.DefaultRejectCacheSize},
		{"http.max_connections", c.HTTP.MaxConnections, httpapi.DefaultMaxConnections},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v in configs/config.yaml, want the package's default %v", tt.got, tt.want)
			}
		})
	}
}
