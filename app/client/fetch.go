package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// errServerSide is returned when the client is used outside the browser.
var errServerSide = errors.New("the admin API client runs only in the browser")

// response is a completed fetch: the status and the whole body.
type response struct {
	status     int
	statusText string
	body       string
}

// fetch sends one request with the browser's fetch function and waits for
// the whole response. It uses fetch and not net/http, because sending with
// an http.Client grew the app's WASM from 2.06 to 3.30 MB gzip (make wasm,
// Go 1.26, go-app v10.1.11).
// The session cookie goes with the request because it has the page's
// origin.
//
// NOTE: ctx is only checked before the request starts; a request in flight
// runs to its end.
func fetch(ctx context.Context, method, url string, header map[string]string, body string) (response, error) {
	if app.IsServer {
		return response{}, errServerSide
	}
	if err := ctx.Err(); err != nil {
		return response{}, err
	}

	headers := make(map[string]any, len(header))
	for k, v := range header {
		headers[k] = v
	}
	options := map[string]any{
		"method":      method,
		"headers":     headers,
		"credentials": "same-origin",
		"cache":       "no-store",
	}
	if body != "" {
		options["body"] = body
	}

	type result struct {
		res response
		err error
	}
	done := make(chan result, 1)
	var res response
	var onResponse, onText, onError app.Func
	release := func() {
		onResponse.Release()
		onText.Release()
		onError.Release()
	}
	onError = app.FuncOf(func(this app.Value, args []app.Value) any {
		message := "network error"
		if len(args) > 0 && args[0].Truthy() {
			message = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(message)}
		return nil
	})
	onText = app.FuncOf(func(this app.Value, args []app.Value) any {
		res.body = args[0].String()
		done <- result{res: res}
		return nil
	})
	onResponse = app.FuncOf(func(this app.Value, args []app.Value) any {
		r := args[0]
		res.status = r.Get("status").Int()
		res.statusText = r.Get("statusText").String()
		r.Call("text").Call("then", onText, onError)
		return nil
	})

	app.Window().Call("fetch", url, options).Call("then", onResponse, onError)
	out := <-done
	release()
	if out.err != nil {
		// fetch rejects only when no response arrived: the network or the
		// server is down, not an error status.
		offline.Store(true)
		return response{}, fmt.Errorf("%s %s: %w: %w", method, url, ErrOffline, out.err)
	}
	offline.Store(false)
	return out.res, nil
}
