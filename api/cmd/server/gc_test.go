package main

import (
	"runtime/debug"
	"testing"
)

func TestSetGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	if percent, ok := setGCPercent("50"); ok || percent != 0 {
		t.Errorf("setGCPercent(\"50\") = %d, %v, want 0, false", percent, ok)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("target after a set GOGC = %d, want 100 as it was", got)
	}

	if percent, ok := setGCPercent(""); !ok || percent != 400 {
		t.Errorf("setGCPercent(\"\") = %d, %v, want 400, true", percent, ok)
	}
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("target without GOGC = %d, want 400", got)
	}
}
