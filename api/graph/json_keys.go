package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"customevents/api/jsonscan"
)

// duplicateKey returns the first key that appears twice in one object of
// the valid JSON body, with the path of that object, such as
// "variables.input", or ok false. encoding/json keeps the last of two equal
// keys, so {"email": "a@example.com", "email": "b@example.com"} would
// trigger an event for b without a word. Keys are compared unescaped, so
// "\u0061" and "a" are equal, as are two keys of invalid UTF-8 that decode
// to the same replacement characters. It runs on every request, so it steps over
// the bytes once and allocates only for escaped keys, objects of many keys
// and the path of a duplicate.
//
// At the top level, a key that matches a member of the request, such as
// "query", without regard to case counts as that member, because
// encoding/json fills a struct field from such a key too: {"query": "a",
// "Query": "b"} repeats query. Values nested deeper than maxScanDepth are
// not scanned, because no argument of the schema nests that deep, and the
// scan recurses once per level.
func duplicateKey(body []byte) (path, key string, ok bool) {
	_, path, key, ok = scanValue(body, jsonscan.SkipSpace(body, 0), 0)
	return path, key, ok
}

// maxScanDepth is the deepest nesting of arrays and objects that
// duplicateKey scans for repeated keys.
const maxScanDepth = 32

// requestMembers are the members of a GraphQL request object, which
// encoding/json matches without regard to case.
var requestMembers = [][]byte{[]byte("query"), []byte("operationName"), []byte("variables"), []byte("extensions")}

// scanValue checks the value at body[pos], at the given depth of nesting,
// and returns the position after it. A duplicate's path is built on the
// way back out of the recursion.
func scanValue(body []byte, pos, depth int) (end int, path, key string, found bool) {
	if depth > maxScanDepth {
		return jsonscan.SkipValue(body, pos), "", "", false
	}
	switch body[pos] {
	case '{':
		return scanObject(body, pos, depth)
	case '[':
		pos = jsonscan.SkipSpace(body, pos+1)
		if body[pos] == ']' {
			return pos + 1, "", "", false
		}
		for i := 0; ; i++ {
			pos, path, key, found = scanValue(body, pos, depth+1)
			if found {
				return 0, joinPath(strconv.Itoa(i), path), key, true
			}
			pos = jsonscan.SkipSpace(body, pos)
			if body[pos] == ']' {
				return pos + 1, "", "", false
			}
			// Past the comma.
			pos = jsonscan.SkipSpace(body, pos+1)
		}
	default:
		return jsonscan.SkipValue(body, pos), "", "", false
	}
}

// smallObjectKeys is how many keys an object may have before scanObject
// looks them up in a map instead of comparing each with all before it.
const smallObjectKeys = 16

// scanObject checks the object that starts at body[pos].
func scanObject(body []byte, pos, depth int) (end int, path, key string, found bool) {
	var small [smallObjectKeys][]byte
	keys := small[:0]
	var many map[string]bool

	pos = jsonscan.SkipSpace(body, pos+1)
	if body[pos] == '}' {
		return pos + 1, "", "", false
	}
	for {
		keyEnd := jsonscan.SkipString(body, pos)
		name := body[pos+1 : keyEnd-1]
		if bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name) {
			// The decoder unescapes the key and replaces invalid UTF-8
			// with U+FFFD, as it does when it reads the body later. The
			// body is valid JSON, so the key decodes.
			var decoded string
			_ = json.Unmarshal(body[pos:keyEnd], &decoded)
			name = []byte(decoded)
		}
		if depth == 0 {
			for _, member := range requestMembers {
				if bytes.EqualFold(name, member) {
					name = member
				}
			}
		}

		seen := false
		switch {
		case many != nil:
			seen = many[string(name)]
			many[string(name)] = true
		case len(keys) == smallObjectKeys:
			many = make(map[string]bool, 2*smallObjectKeys)
			for _, k := range keys {
				many[string(k)] = true
			}
			seen = many[string(name)]
			many[string(name)] = true
		default:
			for _, k := range keys {
				if bytes.Equal(k, name) {
					seen = true
					break
				}
			}
			keys = append(keys, name)
		}
		if seen {
			return 0, "", string(name), true
		}

		// Past the colon to the value.
		pos = jsonscan.SkipSpace(body, jsonscan.SkipSpace(body, keyEnd)+1)
		pos, path, key, found = scanValue(body, pos, depth+1)
		if found {
			return 0, joinPath(string(name), path), key, true
		}
		pos = jsonscan.SkipSpace(body, pos)
		if body[pos] == '}' {
			return pos + 1, "", "", false
		}
		pos = jsonscan.SkipSpace(body, pos+1)
	}
}

func joinPath(segment, rest string) string {
	if rest == "" {
		return segment
	}
	return segment + "." + rest
}

// duplicateKeyMessage returns the client message for a key that appears
// twice in one object of source, such as "Request body", at path.
func duplicateKeyMessage(source, path, key string) string {
	where := "at its top level"
	if path != "" {
		where = "in " + path
	}
	return fmt.Sprintf("%s has the key %q twice %s: send each key once, because only one of the values could be used.", source, key, where)
}
