// Custom Events beacon. The server minifies this file with esbuild when it
// starts and serves the result as /ma.js. TestBeaconScriptSize fails above
// 2 KB gzip. Internal property names that end in "_" are shortened too.
// docs/beacon.md describes the behaviour and the message format.
((win, doc, nav, loc) => {
  // The snippet's stub: endpoint, site key, consent mode and the calls
  // made before this script loaded.
  const stub = win.$__MA || {};
  const queued = stub.q || [];
  const siteKey = stub.k;
  const endpoint = stub.u;
  const mode = stub.c;
  const visitorCookie = /(?:^|; )_ma_vid=([0-9a-f]{32})/;

  // Messages made in "wait" mode before consent, which consent(true) sends.
  let waiting = [];
  // The origin of the referrer of the visit's first touch, set by readVisit.
  let visitReferrer;
  // The visitor id that visitorID last returned.
  let lastID;
  // True when the cookie that visitorID last wrote did not stick, as in a
  // browser that rejects cookies.
  let idLost;
  // The ";domain=" attribute that widestDomain found, "" when the browser
  // takes none, or undefined before widestDomain runs.
  let domainAttr;
  // The _ma_visit value that readVisit last read or wrote on this page.
  let seenVisit;
  // The visit as readVisit last saw it: first touch, referrer origin and
  // the time of the last page load or event. It lives in memory, so that a
  // page that may not store yet, or whose cookies do not stick, keeps its
  // visit, also when a single-page site changes the URL.
  let visit = {};
  // The promise of the last plain fetch that send chained, and the number
  // of messages that send gave sendBeacon in the current task.
  let fetchChain = Promise.resolve();
  let beaconCount = 0;

  // Reports whether the _ma_optout cookie is set. Reading cookies throws
  // in a sandboxed frame, where it reports false.
  const optOutCookie = () => {
    try {
      return /(?:^|; )_ma_optout=1/.test(doc.cookie);
    } catch (e) {}
  };

  // True when nothing may be sent on this page: opted out, or "gpc" mode
  // with navigator.globalPrivacyControl true.
  let blocked = optOutCookie() || (mode == "gpc" && nav.globalPrivacyControl === true);
  // Consent: true sends, false drops, null keeps messages in waiting.
  // Modes other than "track" and "gpc" (and no mode) start at null.
  let consented = !mode || /^(track|gpc)$/.test(mode) || null;

  const warn = (message) => console.warn("$__MA: " + message);

  // Wraps a public call so that it never throws, and first blocks the page
  // when another tab has set the _ma_optout cookie since this page loaded.
  const guard =
    (call) =>
    (...args) => {
      try {
        blocked = blocked || optOutCookie();
        call(...args);
      } catch (e) {}
    };

  const byteLength = (text) => new Blob([text]).size;

  // Cuts a URL to the server's 2,048 characters and drops a %XX escape
  // that the cut split, so that the body stays under the server's 16 KiB
  // limit.
  const cutURL = (url) => (url.length > 2048 ? url.slice(0, 2048).replace(/%.?$/, "") : url);

  // Sets a first-party cookie, with further attributes after max-age. It
  // never adds Secure, because the http pages of a site could then neither
  // read the cookie that its https pages set nor set their own: browsers
  // keep http pages from overwriting a Secure cookie. Those pages would
  // make a new visitor id on every load and miss an opt-out.
  const setCookie = (name, value, maxAgeAndAttrs) =>
    (doc.cookie = name + "=" + value + ";path=/;max-age=" + maxAgeAndAttrs + ";SameSite=Lax");

  // Returns the cookie attribute for the widest domain that the browser
  // accepts, such as ";domain=example.com" on www.example.com. It sets a
  // short-lived probe cookie _ma_p with a random value on each parent
  // domain from the widest down, skipping the empty label after a host's
  // trailing dot, and returns "" on hosts that take no domain, as IP
  // addresses.
  const widestDomain = () => {
    if (domainAttr == null) {
      domainAttr = "";
      const labels = loc.hostname.split(".");
      const probe = Math.random();
      for (let i = labels.length; i--; ) {
        if (!labels[i]) continue;
        const attr = ";domain=" + labels.slice(i).join(".");
        setCookie("_ma_p", probe, 9 + attr);
        if (doc.cookie.includes("_ma_p=" + probe)) {
          setCookie("_ma_p", "", 0 + attr);
          domainAttr = attr;
          break;
        }
      }
    }
    return domainAttr;
  };

  // Deletes the host-only _ma_vid, which earlier versions set, when
  // document.cookie lists two _ma_vid cookies. It never deletes the only
  // one, because on an IP address or localhost the domain cookie is the
  // host cookie, and a tab that read the cookie between that delete and
  // the next write would start a new id.
  const dropHostID = () => /(^|; )_ma_vid=.*; _ma_vid=/.test(doc.cookie) && setCookie("_ma_vid", "", 0);

  // Returns the visitor id from the _ma_vid cookie, or else a new id, and
  // writes it as the cookie again on the widest domain, so that the site's
  // subdomains share it and its lifetime starts again. With dropHostID
  // before and after that write, the domain cookie wins over a host-only
  // one, and a host-only id without a domain cookie moves to the domain.
  // When cookies do not stick, it keeps lastID, so that the page keeps one
  // id. A cookie that the site deleted gets a new id, never the old one,
  // and so does an id that consent(false) withdrew (see dropWithdrawnID).
  const visitorID = () => {
    dropWithdrawnID();
    dropHostID();
    const found = doc.cookie.match(visitorCookie);
    if (found) {
      lastID = found[1];
    } else if (!(idLost && lastID)) {
      lastID = [...crypto.getRandomValues(new Uint8Array(16))]
        .map((byte) => (byte | 256).toString(16).slice(1))
        .join("");
    }
    setCookie("_ma_vid", lastID, 63072000 + widestDomain());
    dropHostID();
    idLost = !doc.cookie.match(visitorCookie);
    return lastID;
  };

  // Returns the visit's first-touch utm_* and search click id query
  // parameters, and sets visitReferrer to the origin of the referrer of
  // the first touch's page.
  const readVisit = () => {
    const now = Date.now();

    // The _ma_visit cookie contains the referrer origin, "|" and the first
    // touch. A value that differs from seenVisit means that another page
    // wrote a newer visit, which replaces the one in memory. So a page
    // that did not write its own first touch, in "wait" mode or for a long
    // value, keeps it over the older visit in the cookie, and still
    // follows a later one. A value without "|", as a site's own cookie of
    // that name may contain, is ignored.
    const stored = doc.cookie.match(/(?:^|; )_ma_visit=(([^;|]*)\|([^;]*))/);
    if (stored && seenVisit != (seenVisit = stored[1])) {
      visit = { referrer_: stored[2], touch_: stored[3] };
    }

    // A page whose URL has any of the parameters starts a new first touch.
    // Otherwise the one in memory counts while the cookie exists, because
    // another page renews it, or else until 30 minutes have passed since
    // the last page load or event.
    let touch = cutURL((loc.search.match(/[?&](utm_[a-z]+|gclid|[gw]braid|msclkid)=[^&#]*/g) || []).join(""));
    visitReferrer = cutURL((doc.referrer.match(/^[^:/]+:\/\/[^/?#]*/) || [""])[0]);
    if (!touch && (stored || now - visit.time_ < 18e5)) {
      touch = visit.touch_;
      visitReferrer = visit.referrer_;
    }
    visit = { touch_: touch, referrer_: visitReferrer, time_: now };

    // Once tracking is allowed, the visit goes to the cookie on the widest
    // domain for 30 minutes. So the tabs and subdomains of the site share
    // one visit, the last page load or event in any of them wins, and the
    // browser ends the visit after 30 minutes without one. The first touch
    // is percent-encoded already, so only ";", "," and "\", which a cookie
    // value cannot contain, are escaped, and the server decodes them as any
    // %XX. A value of 1,000 characters or more, which the site's server
    // might reject with the request, is not written. The cookie gets an
    // empty visit instead, so that no other tab brings back the visit
    // before.
    if (consented && !blocked) {
      const value = (visitReferrer + "|" + touch).replace(/[;,\\]/g, escape);
      setCookie("_ma_visit", (seenVisit = value.length < 1e3 ? value : "|"), 1800 + widestDomain());
    }
    return touch;
  };

  // Returns the first of the server's metadata limits that an object
  // breaks, or undefined. Only plain objects pass, also from another
  // frame, and not arrays, dates or maps. Sizes count the JSON.stringify
  // output, as sent, as the server does.
  const metadataProblem = (metadata) => {
    if ({}.toString.call(metadata) != "[object Object]") return "is not an object";
    let count = 0;
    for (const key in metadata) {
      const value = metadata[key];
      const type = typeof value;
      if (++count > 50) return "has over 50 keys";
      if (!key) return "has an empty key";
      if (byteLength(key) > 64) return "key " + key + " is over 64 bytes";
      if (type == "number" ? !isFinite(value) : !/^(string|boolean)$/.test(type)) {
        return key + " is not a string, finite number or boolean";
      }
      if (byteLength(value) > 1024) return key + " is over 1024 bytes";
      if (/\0/.test(key + value)) return key + " contains a NUL character";
    }
    if (byteLength(JSON.stringify(metadata)) > 8192) return "is over 8192 bytes";
  };

  // Adds the visitor id and posts a message as text/plain with sendBeacon,
  // else fetch with keepalive and, as sendBeacon does, cookies. The Fetch
  // standard caps the bodies of such requests in flight at 64 KiB, and
  // Chromium also fails some that sendBeacon accepted when too many are
  // pending. So send gives sendBeacon at most 50 messages per task and
  // posts the rest, and any message that both reject, with plain fetches
  // chained one after another. These have no cap but are lost if the page
  // unloads first. NOTE: 50 is an estimate that held in tests with
  // Chromium, not a documented limit. The fetches use mode no-cors, so
  // that one fails on a network error only, never on the reply's CORS
  // headers, which would send it twice.
  const send = (message) => {
    message.v = visitorID();
    const url = endpoint + "/collect";
    const init = { method: "POST", body: JSON.stringify(message), credentials: "include", mode: "no-cors" };
    const fetchLater = () => (fetchChain = fetchChain.then(() => fetch(url, init)).catch(() => 0));
    if (beaconCount++ > 49) return fetchLater();
    setTimeout(() => (beaconCount = 0));
    try {
      if (nav.sendBeacon(url, init.body)) return;
    } catch (e) {}
    fetch(url, { ...init, keepalive: true }).catch(fetchLater);
  };

  // Sends the message that make returns, keeps it in waiting (at most
  // 1,000, as in the snippet's queue) or drops it. An opted-out page or an
  // automated browser never calls make, so it does not renew the visit.
  const post = (make) => {
    if (blocked) return;
    if (nav.webdriver) return warn("navigator.webdriver is true: not sent");
    const message = make();
    message.k = siteKey;
    message.u = cutURL(loc.href);
    if (consented) send(message);
    else if (consented == null && waiting.length < 1e3) waiting.push(message);
  };

  // Deletes the named cookies on the host and on every parent domain,
  // where widestDomain may have set them, without setting a probe cookie,
  // and removes the visit's keys from localStorage, where earlier versions
  // kept the visit.
  const forget = (names) => {
    const labels = loc.hostname.split(".");
    for (let i = labels.length + 1; i--; ) {
      for (const name of names) {
        setCookie(name, "", 0 + (labels[i] ? ";domain=" + labels.slice(i).join(".") : ""));
      }
    }
    try {
      const store = localStorage;
      delete store._ma_utm;
      delete store._ma_r;
      delete store._ma_t;
    } catch (e) {}
  };

  // Deletes _ma_vid and _ma_withdrawn once consent(false) has set the
  // latter. A message that left just before consent(false) may get a
  // reply from a collect host on the site's domain that sets _ma_vid
  // again, after consent(false) deleted it.
  const dropWithdrawnID = () =>
    /(?:^|; )_ma_withdrawn=1/.test(doc.cookie) && forget(["_ma_vid", "_ma_withdrawn"]);

  const api = (win.$__MA = {
    k: siteKey,
    u: endpoint,
    c: mode,
    // A rejected call reads no visit, so it does not renew the visit
    // cookie, which lasts 30 minutes from the last page load or event.
    captureEvent: guard((slug, metadata) => {
      if (typeof slug != "string" || !slug) return warn("captureEvent needs a slug");
      const problem = metadata != null && metadataProblem(metadata);
      if (problem) return warn("metadata " + problem + ": event " + slug + " not sent");
      post(() => ({ e: slug, r: cutURL(doc.referrer), a: readVisit(), f: visitReferrer, m: metadata || undefined }));
    }),
    // Checks each field against the server's limits once trimmed and in
    // NFC: email at most 254 bytes, the others strings of at most 200
    // characters, none with a control character, a line or paragraph
    // separator or a bidirectional override. signature is the HMAC of the
    // email that the site's backend computed, which the server checks.
    identify: guard((person) => {
      if (!person || typeof person.email != "string" || !person.email.trim()) {
        return warn("identify needs an email");
      }
      const fields = {};
      for (const name of ["email", "firstName", "lastName", "company", "signature"]) {
        const value = person[name];
        let problem;
        if (typeof value != "string") {
          problem = value != null && "is not a string";
        } else if (/[\0-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/.test(value.trim())) {
          problem = "contains a control or invisible character";
        } else if (name == "email") {
          problem = byteLength(value.trim().normalize()) > 254 && "is over 254 bytes";
        } else {
          problem = [...value.trim().normalize()].length > 200 && "is over 200 characters";
        }
        if (problem) return warn("identify " + name + " " + problem + ": not sent");
        fields[name] = value;
      }
      post(() => ({ i: fields }));
    }),
    // Sends the waiting messages, or, when tracking is not allowed, drops
    // them and deletes the visitor id and the visit, in the cookies and in
    // memory. A page that has sent a message then sets _ma_withdrawn, so
    // that the next page load, visitor id read or consent(true) in any tab
    // deletes an id that a reply set again. A page that sent none sets no
    // cookie, as "wait" mode promises, and neither does an opted-out page.
    consent: guard((given) => {
      consented = given === true;
      if (consented && !blocked) {
        dropWithdrawnID();
        readVisit();
        waiting.forEach(send);
      } else {
        forget(["_ma_vid", "_ma_visit"]);
        if (lastID && !blocked) setCookie("_ma_withdrawn", 1, 63072000 + widestDomain());
        lastID = undefined;
        visit = {};
      }
      waiting = [];
    }),
    // Deletes the script's cookies and the visit, and sets _ma_optout again
    // on the widest domain. The script calls it on each load of an
    // opted-out browser, which renews the cookie where Safari caps it at
    // 7 days.
    optOut: guard(() => {
      blocked = true;
      waiting = [];
      forget(["_ma_vid", "_ma_visit", "_ma_optout", "_ma_withdrawn"]);
      setCookie("_ma_optout", 1, 63072000 + widestDomain());
    }),
  });

  guard(dropWithdrawnID)();
  guard(readVisit)();
  if (optOutCookie()) api.optOut();
  // Replays the queue, which then runs each call pushed to it at once. So
  // the stub's functions keep working for a page that kept a reference to
  // the stub or to one of them before this script loaded.
  const run = guard((call) => api[call[0]](...call[1]));
  queued.splice(0).forEach(run);
  queued.push = run;
})(window, document, navigator, location);
