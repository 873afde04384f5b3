/* Custom Events beacon. The snippet defines window.$__MA with the endpoint
   (u), the site key (k) and a queue (q) of calls made before this script
   loaded; this script replaces the stub and replays the queue in order. */
!function (w, d) {
	var stub = w.$__MA || {}, queue = stub.q || [], key = stub.k, base = stub.u, name = "_ma_vid";

	/* The visitor id lives in a first-party cookie on the website's domain. */
	function visitorId() {
		var m = d.cookie.match(/(?:^|; )_ma_vid=([0-9a-f]{32})/);
		if (m) return m[1];
		var bytes = new Uint8Array(16), id = "";
		crypto.getRandomValues(bytes);
		for (var i = 0; i < 16; i++) id += (bytes[i] + 256).toString(16).slice(1);
		d.cookie = name + "=" + id + ";path=/;max-age=63072000;SameSite=Lax" + (location.protocol == "https:" ? ";Secure" : "");
		return id;
	}

	/* text/plain is CORS-safelisted, so no preflight is needed, and both
	   transports survive page unload. Failures never reach the page. */
	function send(body) {
		var url = base + "/collect";
		body = JSON.stringify(body);
		try {
			if (navigator.sendBeacon && navigator.sendBeacon(url, new Blob([body], { type: "text/plain" }))) return;
		} catch (e) {}
		try {
			fetch(url, { method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit", headers: { "Content-Type": "text/plain" } }).catch(function () {});
		} catch (e) {}
	}

	var api = {
		k: key,
		u: base,
		captureEvent: function (slug) {
			if (typeof slug != "string" || !slug) return;
			send({ k: key, v: visitorId(), e: slug, u: location.href });
		}
	};
	w.$__MA = api;
	for (var i = 0; i < queue.length; i++) {
		var call = queue[i];
		if (api[call[0]]) api[call[0]].apply(api, call[1]);
	}
}(window, document);
