package page

import (
	"strconv"
	"strings"
)

// maxPathIndex bounds the indexes of a field path, far above the limits
// that the validator puts on lists.
const maxPathIndex = 9999

// pathStep is one part of a field path such as
// "conditional[1].condition.root.conditions[0].value": a JSON name and,
// when Indexed, the position in the array that the name holds.
type pathStep struct {
	Name    string
	Index   int
	Indexed bool
}

// parseFieldPath splits a field path into its steps. It rejects empty
// names, names with characters other than ASCII letters and digits, and
// indexes that are not plain decimal numbers up to maxPathIndex.
func parseFieldPath(path string) ([]pathStep, bool) {
	if path == "" {
		return nil, false
	}
	parts := strings.Split(path, ".")
	steps := make([]pathStep, 0, len(parts))
	for _, part := range parts {
		name, rest, indexed := strings.Cut(part, "[")
		if !isPathName(name) {
			return nil, false
		}
		step := pathStep{Name: name}
		if indexed {
			digits, ok := strings.CutSuffix(rest, "]")
			if !ok || digits == "" || len(digits) > 4 || (len(digits) > 1 && digits[0] == '0') {
				return nil, false
			}
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || n > maxPathIndex {
				return nil, false
			}
			step.Index, step.Indexed = n, true
		}
		steps = append(steps, step)
	}
	return steps, true
}

func isPathName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// formatFieldPath joins steps back into a field path.
func formatFieldPath(steps []pathStep) string {
	var b strings.Builder
	for i, step := range steps {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(step.Name)
		if step.Indexed {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(step.Index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// controlID turns a field path into an HTML id under prefix, such as
// "ot-global-0-delta" for "global[0].delta" under "ot".
func controlID(prefix, path string) string {
	var b strings.Builder
	b.WriteString(prefix)
	dash := true
	for _, r := range path {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			if dash {
				b.WriteByte('-')
				dash = false
			}
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
