package envvar_test

import (
	"strings"
	"testing"

	"customevents/api/envvar"
)

func TestParseSwitch(t *testing.T) {
	for _, tc := range []struct {
		raw     string
		want    bool
		wantErr string
	}{
		{raw: "", want: false},
		{raw: "0", want: false},
		{raw: "false", want: false},
		{raw: "No", want: false},
		{raw: "off", want: false},
		{raw: "1", want: true},
		{raw: "TRUE", want: true},
		{raw: "yes", want: true},
		{raw: " on ", want: true},
		{raw: "2", wantErr: `CE_SEED_DEMO "2" is invalid: use 1 to turn it on or 0 to turn it off`},
		{raw: "enabled", wantErr: `CE_SEED_DEMO "enabled" is invalid: use 1 to turn it on or 0 to turn it off`},
	} {
		got, err := envvar.ParseSwitch("CE_SEED_DEMO", tc.raw)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("ParseSwitch(%q) err = %v, want %q", tc.raw, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSwitch(%q) err = %v, want nil", tc.raw, err)
		}
		if got != tc.want {
			t.Errorf("ParseSwitch(%q) = %v, want %v", tc.raw, got, tc.want)
		}
	}
}

// FuzzParseSwitch checks that any value either reads as on or off without
// an error, and then is one of the accepted spellings, or fails with the
// message that names the variable.
func FuzzParseSwitch(f *testing.F) {
	for _, seed := range []string{"", "1", "0", "TRUE", " off ", "yes\n", "2", "ön"} {
		f.Add(seed)
	}
	accepted := map[string]bool{"": false, "0": false, "false": false, "no": false, "off": false,
		"1": true, "true": true, "yes": true, "on": true}
	f.Fuzz(func(t *testing.T, raw string) {
		on, err := envvar.ParseSwitch("CE_X", raw)
		want, ok := accepted[strings.ToLower(strings.TrimSpace(raw))]
		if !ok {
			if err == nil || !strings.HasPrefix(err.Error(), "CE_X ") {
				t.Fatalf("ParseSwitch(%q) = %v, %v; want an error naming CE_X", raw, on, err)
			}
			return
		}
		if err != nil || on != want {
			t.Fatalf("ParseSwitch(%q) = %v, %v; want %v, nil", raw, on, err, want)
		}
	})
}
