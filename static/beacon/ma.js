/* Custom Events beacon, minified by hand to stay well under 2 KB gzip,
   where TestBeaconScriptSize fails. The server drops this comment when it
   serves /ma.js. docs/beacon.md describes the behaviour and the message
   format.
   M  the snippet's stub: endpoint u, site key k, consent mode c, queue q of
      earlier calls
   Q  messages made in "wait" mode before consent, sent by consent(true)
   R  the origin of the referrer of the visit's first touch, which T sets
   Z  the visit as T last saw it: first touch u, referrer origin r and
      time t of the last page load or event. It lives in memory, so that a
      page that may not store yet, or whose cookies do not stick, keeps
      its visit, also when a single-page site changes the URL
   U  the _ma_visit value that T last read or wrote on this page
   O  reports whether the _ma_optout cookie is set. Reading cookies
      throws in a sandboxed frame, where it reports false
   o  true when nothing may be sent on this page: opted out, or "gpc" mode
      with navigator.globalPrivacyControl true
   g  consent: true sends, false drops, null keeps messages in Q. Modes
      other than "track" and "gpc" (and no mode) start at null
   W  writes a console warning
   F  wraps a public call so that it never throws, and first sets o when
      another tab has set the _ma_optout cookie since this page loaded
   B  returns the UTF-8 byte length of a string
   L  cuts a URL to the server's 2,048 characters, and drops a %XX escape
      that the cut split, so that the body stays under the server's 16 KiB
      limit
   X  sets a first-party cookie: name, value, max-age and extra attributes.
      It never adds Secure: the http pages of a site could then neither
      read the cookie that its https pages set nor set their own, as
      browsers keep http pages from overwriting a Secure cookie, so they
      would make a new visitor id on every load and miss an opt-out
   K  the promise of the last plain fetch that S chained
   G  the number of messages that S sent in the current task
   E  the ";domain=" attribute that H found, "" when the browser takes
      none, or undefined before H runs
   H  returns the cookie attribute for the widest domain that the browser
      accepts, such as ";domain=example.com" on www.example.com, by
      setting a short-lived probe cookie _ma_p with a random value on each
      parent domain from the widest down, skipping the empty label after
      a host's trailing dot. It returns "" on hosts that take no domain,
      as IP addresses, and keeps the answer in E
   I  matches a visitor id in document.cookie
   Y  the visitor id that V last returned
   N  true when the cookie that V last wrote did not stick, as in a
      browser that refuses cookies
   J  deletes the host-only _ma_vid, which earlier versions set, when the
      page sees two _ma_vid cookies. It never deletes the only one: on an
      IP address or localhost the domain cookie is the host cookie, and a
      tab that read the cookie between that delete and the next write
      would start a new id
   V  returns the visitor id from the _ma_vid cookie, or else a new id,
      and writes it as the cookie again on the widest domain, so that the
      site's subdomains share it and its lifetime starts again. With J
      before and after that write, the domain cookie wins over a
      host-only one, and a host-only id without a domain cookie moves to
      the domain. When cookies do not stick, it keeps Y instead, so that
      the page keeps one id. A cookie that the site deleted gets a new
      id, never the old one again
   T  returns the visit's first-touch utm_* and search click id query
      parameters, and sets R to the origin of the referrer of the first
      touch's page. The _ma_visit cookie holds R, "|" and the first touch.
      T replaces Z with the cookie's visit only when the value differs
      from U, which means that another page wrote a newer visit. So a
      page that did not write its own first touch, in "wait" mode or for
      a long value, keeps it over the older visit in the cookie, and
      still follows a later one. A value without "|", as a site's own
      cookie of that name may hold, is ignored. A page whose URL has any of the
      parameters starts a new first touch. Otherwise the one in Z counts
      while the cookie exists, because another page renews it, or else
      until 30 minutes (18e5 ms) have passed since the last page load or
      event in Z. Once tracking is allowed, T writes Z to the cookie on
      the widest domain, with H, for 30 minutes (1800 s), so that the
      tabs and the subdomains of the site share one visit, the last page
      load or event in any of them wins, and the browser ends the visit
      after 30 minutes without one. The first touch is percent-encoded
      already, so only ";", "," and "\", which a cookie value cannot
      hold, are escaped, and the server decodes them as any %XX. A value of
      1,000 characters or more, which the site's server might refuse with
      the request, is not written: the cookie gets an empty visit, "|",
      instead, so that no other tab brings back the visit before
   C  returns the first of the server's metadata limits that an object
      breaks, or undefined. Only plain objects pass, also from another
      frame, and not arrays, dates or maps. Sizes count the JSON.stringify
      output, as sent, as the server does
   S  adds the visitor id and posts a message as text/plain with sendBeacon,
      else fetch with keepalive and, as sendBeacon does, cookies. The
      Fetch standard caps the bodies of such requests in flight at 64 KiB,
      and Chromium also fails some that sendBeacon accepted when too many
      are pending. So S gives sendBeacon at most 50 messages per task,
      counted in G, and posts the rest, and any message that both reject,
      with plain fetches chained on K, one after another. These have no
      cap but are lost if the page unloads first. NOTE: 50 is an estimate
      that held in tests with Chromium, not a documented limit. The
      fetches use mode no-cors, so that one fails on a network error only,
      never on the reply's CORS headers, which would send it twice
   P  completes a message and sends it, keeps it in Q or drops it. Q
      keeps at most 1,000 messages, as the snippet's queue does. In an
      automated browser it warns instead
   D  deletes the cookies named in m on the host and on every parent
      domain, where H may have set them, without setting a probe cookie,
      and removes the visit's keys from localStorage, where earlier
      versions kept the visit. consent calls it for _ma_vid and _ma_visit
      when tracking is not allowed, and optOut for those and _ma_optout
   A  the public $__MA object that replaces the stub. identify checks each
      field against the server's limits once trimmed and in NFC: email at
      most 254 bytes, the others strings of at most 200 characters, none
      with a control character, a line or paragraph separator or a
      bidirectional override. optOut deletes the script's cookies and the
      visit with D, and sets _ma_optout again on the widest domain, with
      H. The script calls it on each load of an opted-out browser, which
      renews the cookie where Safari caps it at 7 days */
!function(w,d,n,l){
var M=w.$__MA||{},q=M.q||[],k=M.k,u=M.u,c=M.c,Q=[],R,Y,N,E,U,Z={},K=Promise.resolve(),G=0,I=/(?:^|; )_ma_vid=([0-9a-f]{32})/,
O=()=>{try{return/(?:^|; )_ma_optout=1/.test(d.cookie)}catch(e){}},
o=O()||c=="gpc"&&n.globalPrivacyControl===!0,
g=!c||/^(track|gpc)$/.test(c)||null,
W=m=>console.warn("$__MA: "+m),
F=f=>(...a)=>{try{o=o||O();f(...a)}catch(e){}},
B=t=>new Blob([t]).size,
L=s=>s.length>2048?s.slice(0,2048).replace(/%.?$/,""):s,
X=(m,v,a)=>d.cookie=m+"="+v+";path=/;max-age="+a+";SameSite=Lax",
H=(i,h,x,v)=>{if(E==null)for(E="",h=l.hostname.split("."),i=h.length,v=Math.random();i--;)if(h[i]){x=";domain="+h.slice(i).join(".");X("_ma_p",v,9+x);if(d.cookie.includes("_ma_p="+v)){X("_ma_p","",0+x);E=x;break}}return E},
J=()=>/(^|; )_ma_vid=.*; _ma_vid=/.test(d.cookie)&&X("_ma_vid","",0),
V=m=>{J();if(m=d.cookie.match(I))Y=m[1];else N&&Y||(Y=[...crypto.getRandomValues(new Uint8Array(16))].map(x=>(x|256).toString(16).slice(1)).join(""));X("_ma_vid",Y,63072000+H());J();N=!d.cookie.match(I);return Y},
T=(s,t,i)=>{i=Date.now();if(s=d.cookie.match(/(?:^|; )_ma_visit=(([^;|]*)\|([^;]*))/))U!=(U=s[1])&&(Z={r:s[2],u:s[3]});t=L((l.search.match(/[?&](utm_[a-z]+|gclid|[gw]braid|msclkid)=[^&#]*/g)||[]).join(""));R=L((d.referrer.match(/^[^:/]+:\/\/[^/?#]*/)||[""])[0]);if(!t&&(s||i-Z.t<18e5))t=Z.u,R=Z.r;s=(R+"|"+t).replace(/[;,\\]/g,escape);Z={u:t,r:R,t:i};g&&!o&&X("_ma_visit",U=s.length<1e3?s:"|",1800+H());return t},
C=(m,x,v,t,c)=>{if({}.toString.call(m)!="[object Object]")return"is not an object";c=0;for(x in m){v=m[x];t=typeof v;if(++c>50)return"has over 50 keys";if(!x)return"has an empty key";if(B(x)>64)return"key "+x+" is over 64 bytes";if(t=="number"?!isFinite(v):!/^(string|boolean)$/.test(t))return x+" is not a string, finite number or boolean";if(B(v)>1024)return x+" is over 1024 bytes";if(/\0/.test(x+v))return x+" contains a NUL character"}if(B(JSON.stringify(m))>8192)return"is over 8192 bytes"},
S=(m,r,b,f)=>{m.v=V();r=u+"/collect";b={method:"POST",body:JSON.stringify(m),credentials:"include",mode:"no-cors"};f=e=>K=K.then(e=>fetch(r,b)).catch(e=>0);if(G++>49)return f();setTimeout(e=>G=0);try{if(n.sendBeacon(r,b.body))return}catch(e){}fetch(r,Object.assign({keepalive:!0},b)).catch(f)},
P=m=>{if(o)return;if(n.webdriver===!0)return W("navigator.webdriver is true: not sent");m.k=k;m.u=L(l.href);g?S(m):g==null&&Q.length<1e3&&Q.push(m)},
D=(m,h,i,x)=>{h=l.hostname.split(".");for(i=h.length+1;i--;)for(x of m)X(x,"",0+(h[i]?";domain="+h.slice(i).join("."):""));try{x=localStorage;delete x._ma_utm,delete x._ma_r,delete x._ma_t}catch(e){}},
A=w.$__MA={k:k,u:u,c:c,
captureEvent:F((s,m,e,p)=>{e={e:s,r:L(d.referrer),a:T(),f:R};if(typeof s!="string"||!s)return W("captureEvent needs a slug");if(m!=null){if(p=C(m))return W("metadata "+p+": event "+s+" not sent");e.m=m}P(e)}),
identify:F((p,i,x,v,y)=>{if(!p||typeof p.email!="string"||!p.email.trim())return W("identify needs an email");i={};for(x of["email","firstName","lastName","company"]){v=p[x];y=typeof v!="string"?v!=null&&"is not a string":/[\0-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/.test(v.trim())?"contains a control or invisible character":x=="email"?B(v.trim().normalize())>254&&"is over 254 bytes":[...v.trim().normalize()].length>200&&"is over 200 characters";if(y)return W("identify "+x+" "+y+": not sent");i[x]=v}P({i:i})}),
consent:F(y=>{g=y===!0;if(g&&!o){T();Q.forEach(S)}else D(["_ma_vid","_ma_visit"]);Q=[]}),
optOut:F(()=>{o=1;Q=[];D(["_ma_vid","_ma_visit","_ma_optout"]);X("_ma_optout",1,63072000+H())})};
F(T)();
O()&&A.optOut();
q.forEach(F(c=>A[c[0]](...c[1])))
}(window,document,navigator,location);
