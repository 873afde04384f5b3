// Package jsonscan steps over the values of a JSON text that a decoder has
// already checked, without decoding them, so that callers can check keys
// quickly on hot request paths.
package jsonscan

import "bytes"

// SkipSpace returns the position of the first byte at or after pos
// that is not JSON white space.
func SkipSpace(body []byte, pos int) int {
	for pos < len(body) {
		switch body[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// SkipString returns the position after the JSON string that starts
// with the quote at body[pos]. bytes.IndexByte finds the next quote and
// backslash faster than a loop over long URLs.
func SkipString(body []byte, pos int) int {
	pos++
	for {
		quote := bytes.IndexByte(body[pos:], '"')
		if quote < 0 {
			return len(body)
		}
		escape := bytes.IndexByte(body[pos:pos+quote], '\\')
		if escape < 0 {
			return pos + quote + 1
		}
		// Past the backslash and the character it escapes.
		pos += escape + 2
	}
}

// SkipValue returns the position after the JSON value that starts at
// body[pos]: a string, an object or array with everything in it, or a
// number or literal.
func SkipValue(body []byte, pos int) int {
	depth := 0
	for pos < len(body) {
		switch body[pos] {
		case '"':
			pos = SkipString(body, pos)
			if depth == 0 {
				return pos
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				// The end of the enclosing object, after a number or literal.
				return pos
			}
			depth--
			if depth == 0 {
				return pos + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return pos
			}
		}
		pos++
	}
	return pos
}
