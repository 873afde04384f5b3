package page

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// setControlValue sets the value property of the form control with the
// given id. go-app leaves a control's value alone when the rendered value
// becomes empty, so forms that reset or load a record set the property
// directly. Code that changes the text of a control that may have the
// keyboard focus must call it, because renderedValue then renders the
// control's own value.
func setControlValue(id, value string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("value", value)
	}
}

// renderedValue returns the value that Render gives the text control with
// the given id: state, or the control's own value while it has the
// keyboard focus. go-app queues input handlers and renders on a frame
// timer, and runs the two in either order. So a render can come after the
// browser has put a key into the control and before the handler of that
// key has updated state. Rendering state then would write the older text
// over the key.
//
// Until the app has replaced the page that the server rendered, which
// go-app's loading screen covers, the focused control is the server's, and
// its text never reached state, so the app's first render shows state.
func renderedValue(id, state string) string {
	if app.IsServer {
		return state
	}
	document := app.Window().Get("document")
	if document.Call("getElementById", "app-wasm-loader").Truthy() {
		return state
	}
	active := document.Get("activeElement")
	if active.Truthy() && active.Get("id").String() == id {
		return active.Get("value").String()
	}
	return state
}

// focus moves the keyboard focus to the element with the given id.
func focus(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}
