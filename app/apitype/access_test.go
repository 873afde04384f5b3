package apitype

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRoleAtLeast(t *testing.T) {
	tests := []struct {
		role, minRole string
		want          bool
	}{
		{RoleViewer, RoleViewer, true},
		{RoleViewer, RoleEditor, false},
		{RoleEditor, RoleViewer, true},
		{RoleEditor, RoleAdmin, false},
		{RoleAdmin, RoleEditor, true},
		{RoleAdmin, RoleOwner, false},
		{RoleOwner, RoleAdmin, true},
		{RoleOwner, RoleOwner, true},
		{"", RoleViewer, false},
		{"superuser", RoleViewer, false},
		{"Owner", RoleViewer, false},
	}
	for _, tt := range tests {
		if got := RoleAtLeast(tt.role, tt.minRole); got != tt.want {
			t.Errorf("RoleAtLeast(%q, %q) = %v, want %v", tt.role, tt.minRole, got, tt.want)
		}
	}
}

func TestCanManageMember(t *testing.T) {
	// want lists, per actor, the target roles it may manage.
	want := map[string]string{
		RoleViewer: "",
		RoleEditor: "",
		RoleAdmin:  "viewer editor",
		RoleOwner:  "viewer editor admin owner",
	}
	for _, actor := range Roles {
		var got []string
		for _, target := range Roles {
			if CanManageMember(actor, target) {
				got = append(got, target)
			}
			if CanGrantRole(actor, target) != CanManageMember(actor, target) {
				t.Errorf("CanGrantRole(%q, %q) differs from CanManageMember", actor, target)
			}
		}
		if strings.Join(got, " ") != want[actor] {
			t.Errorf("%s manages %q, want %q", actor, strings.Join(got, " "), want[actor])
		}
	}
	if CanManageMember(RoleOwner, "superuser") {
		t.Error("owner manages an unknown role, want false")
	}
}

func TestRoleWithArticle(t *testing.T) {
	for role, want := range map[string]string{RoleViewer: "a viewer", RoleEditor: "an editor", RoleAdmin: "an admin", RoleOwner: "an owner"} {
		if got := RoleWithArticle(role); got != want {
			t.Errorf("RoleWithArticle(%q) = %q, want %q", role, got, want)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, password, message string
	}{
		{name: "8 characters", password: "abcdefgh"},
		{name: "72 bytes", password: strings.Repeat("a", 72)},
		{name: "8 multi-byte characters", password: "ääääääää"},
		{name: "empty", password: "", message: "Password is too short: use at least 8 characters."},
		{name: "7 characters", password: "abcdefg", message: "Password is too short: use at least 8 characters."},
		{name: "4 characters of 8 bytes", password: "ääää", message: "Password is too short: use at least 8 characters."},
		{name: "73 bytes", password: strings.Repeat("a", 73), message: "Password is too long: use at most 72 bytes."},
		{name: "37 characters of 74 bytes", password: strings.Repeat("ä", 37), message: "Password is too long: use at most 72 bytes."},
	}
	for _, tt := range tests {
		err := ValidatePassword("password", tt.password)
		switch {
		case tt.message == "" && err != nil:
			t.Errorf("%s: error %q, want valid", tt.name, err.Message)
		case tt.message != "" && err == nil:
			t.Errorf("%s: valid, want %q", tt.name, tt.message)
		case err != nil && (err.Message != tt.message || err.Field != "password"):
			t.Errorf("%s: error %s: %q, want password: %q", tt.name, err.Field, err.Message, tt.message)
		}
	}
}

func TestNormalizeAccountName(t *testing.T) {
	tests := []struct {
		name, input, want, message string
	}{
		{name: "trimmed", input: "  Acme Europe \t", want: "Acme Europe"},
		{name: "max length", input: strings.Repeat("ä", MaxAccountNameLength), want: strings.Repeat("ä", MaxAccountNameLength)},
		{name: "blank", input: " \t ", message: "Name is required, such as Acme Marketing."},
		{name: "too long", input: strings.Repeat("a", MaxAccountNameLength+1), message: "Name is too long: use at most 100 characters."},
		{name: "line break", input: "Acme\nEurope", message: "Name contains the control character U+000A: remove it."},
		{name: "right-to-left override", input: "Acme\u202eEurope", message: "Name contains the invisible character U+202E: remove it."},
	}
	for _, tt := range tests {
		got, err := NormalizeAccountName(tt.input)
		if tt.message == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: %q, %v, want %q", tt.name, got, err, tt.want)
			}
			continue
		}
		if err == nil || err.Message != tt.message || err.Field != "name" {
			t.Errorf("%s: error %+v, want name: %q", tt.name, err, tt.message)
		}
	}
}

func FuzzNormalizeAccountName(f *testing.F) {
	for _, seed := range []string{"Acme", "  Acme  ", "", "a\u202eb", "\xff", strings.Repeat("x", 101)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := NormalizeAccountName(name)
		if err != nil {
			if err.Field != "name" || err.Message == "" {
				t.Fatalf("NormalizeAccountName(%q) error without field or message: %+v", name, err)
			}
			return
		}
		if got == "" || got != strings.TrimSpace(got) || !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxAccountNameLength {
			t.Fatalf("NormalizeAccountName(%q) = %q: empty, untrimmed, invalid UTF-8 or too long", name, got)
		}
		if r, ok := hiddenCharacter(got, false); ok {
			t.Fatalf("NormalizeAccountName(%q) = %q keeps %U", name, got, r)
		}
		again, err := NormalizeAccountName(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeAccountName is not idempotent on %q: %q, %v", got, again, err)
		}
	})
}
