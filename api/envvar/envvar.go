// Package envvar reads the on/off settings of the server's environment.
package envvar

import (
	"fmt"
	"os"
	"strings"
)

// Switch reads the environment variable name as an on/off setting. Unset,
// empty, 0, false, no and off mean off, and 1, true, yes and on mean on,
// in any letter case. Any other value is an error that names the variable,
// so that a typo does not leave a feature off unnoticed.
func Switch(name string) (bool, error) {
	return ParseSwitch(name, os.Getenv(name))
}

// ParseSwitch parses raw, the value of the variable name, as Switch does.
func ParseSwitch(name, raw string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%s %q is invalid: use 1 to turn it on or 0 to turn it off", name, raw)
}
