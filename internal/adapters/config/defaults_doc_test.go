package config_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/example/messages-api/configs"
	"github.com/example/messages-api/internal/adapters/config"
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
