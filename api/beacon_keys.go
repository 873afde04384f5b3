package api

import (
	"encoding/json"
	"fmt"
	"strings"

	"customevents/api/jsonscan"
)

// Keys of the beacon message and of its identity object, as docs/beacon.md
// lists them.
var (
	collectKeys  = []string{"k", "v", "u", "e", "r", "a", "f", "m", "i"}
	identityKeys = []string{"email", "firstName", "lastName", "company", "signature"}
)

// checkCollectKeys returns an error when a key of the message or of its
// identity object ("i") matches a documented key only without regard to
// case, such as "K" or "Email", or when a documented key appears twice.
// encoding/json would read {"e":"a","E":"b"} as the event "b".
//
// body must be valid JSON, as json.Unmarshal has checked. The check runs
// for every beacon message, so it scans the bytes once and allocates only
// for keys that are not documented ones.
func checkCollectKeys(body []byte) error {
	pos := jsonscan.SkipSpace(body, 0)
	if pos == len(body) || body[pos] != '{' {
		// null, which json.Unmarshal reads as an empty message.
		return nil
	}
	_, err := checkObjectKeys(body, pos, collectKeys, "message")
	return err
}

// checkObjectKeys checks the keys of the JSON object that starts at
// body[start] against names and returns the position after the object. An
// object under the key "i", which only collectKeys has, is checked against
// identityKeys.
func checkObjectKeys(body []byte, start int, names []string, where string) (int, error) {
	pos := jsonscan.SkipSpace(body, start+1)
	if body[pos] == '}' {
		return pos + 1, nil
	}
	// seen has bit i set once names[i] has been read.
	var seen uint32
	for {
		keyEnd := jsonscan.SkipString(body, pos)
		index, err := checkKey(body[pos:keyEnd], names, where)
		if err != nil {
			return 0, err
		}
		key := ""
		if index >= 0 {
			key = names[index]
			if seen&(1<<index) != 0 {
				return 0, fmt.Errorf("%s key %q appears twice: send each key once", where, key)
			}
			seen |= 1 << index
		}
		// Past the colon to the value.
		pos = jsonscan.SkipSpace(body, jsonscan.SkipSpace(body, keyEnd)+1)

		if key == "i" && body[pos] == '{' {
			pos, err = checkObjectKeys(body, pos, identityKeys, "identity")
			if err != nil {
				return 0, err
			}
		} else {
			pos = jsonscan.SkipValue(body, pos)
		}

		pos = jsonscan.SkipSpace(body, pos)
		if body[pos] == '}' {
			return pos + 1, nil
		}
		// A comma, then the next key.
		pos = jsonscan.SkipSpace(body, pos+1)
	}
}

// checkKey returns the index in names of the name that the quoted JSON key
// matches once unescaped, or -1 for an unknown key. A key that matches a
// name only without regard to case is invalid.
func checkKey(quoted []byte, names []string, where string) (int, error) {
	text := quoted[1 : len(quoted)-1]
	for i, name := range names {
		if string(text) == name {
			return i, nil
		}
	}

	key := string(text)
	if strings.IndexByte(key, '\\') >= 0 {
		// An escaped key, such as "\u006b", reads as the key it spells.
		if err := json.Unmarshal(quoted, &key); err != nil {
			return -1, fmt.Errorf("%s key %s is not a valid JSON string: %w", where, quoted, err)
		}
	}
	for i, name := range names {
		if key == name {
			return i, nil
		}
		if strings.EqualFold(key, name) {
			// %+q writes a non-ASCII key such as the Kelvin sign as \u212a.
			return -1, fmt.Errorf("%s key %+q is invalid: keys are case-sensitive, so use %q", where, key, name)
		}
	}
	return -1, nil
}
