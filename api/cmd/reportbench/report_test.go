package main

import (
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(values ...int) []time.Duration {
		var out []time.Duration
		for _, v := range values {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name      string
		durations []time.Duration
		p         float64
		want      time.Duration
	}{
		{"none", nil, 0.5, 0},
		{"one", ms(7), 0.95, 7 * time.Millisecond},
		{"median of four is the second", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p95 of twenty is the nineteenth", ms(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 0.95, 19 * time.Millisecond},
		{"p95 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.95, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.durations, tt.p); got != tt.want {
				t.Errorf("percentile = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReplaceSection(t *testing.T) {
	doc := "# Title\n\nBefore.\n\n" + docBegin + "\nold table\n" + docEnd + "\n\nAfter.\n"
	got, err := replaceSection([]byte(doc), "### Run\n\n| a |\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nBefore.\n\n" + docBegin + "\n\n### Run\n\n| a |\n\n" + docEnd + "\n\nAfter.\n"
	if string(got) != want {
		t.Errorf("doc =\n%q\nwant\n%q", got, want)
	}

	// Replacing again gives the same text.
	again, err := replaceSection(got, "### Run\n\n| a |\n")
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != want {
		t.Errorf("second replacement =\n%q\nwant\n%q", again, want)
	}
}

func TestReplaceSectionRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"no markers", "# Title\n"},
		{"end only", "# Title\n" + docEnd + "\n"},
		{"end before begin", docEnd + "\n" + docBegin + "\n"},
		{"two begins", docBegin + "\n" + docBegin + "\n" + docEnd + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := replaceSection([]byte(tt.doc), "table")
			if err == nil {
				t.Fatal("err = nil, want an error")
			}
			if !strings.Contains(err.Error(), docBegin) {
				t.Errorf("err = %q, want it to name the markers", err)
			}
		})
	}
}
