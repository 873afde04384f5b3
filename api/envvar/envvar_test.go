package envvar_test

import (
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
		if err != nil || got != tc.want {
			t.Errorf("ParseSwitch(%q) = %v, %v; want %v, nil", tc.raw, got, err, tc.want)
		}
	}
}
