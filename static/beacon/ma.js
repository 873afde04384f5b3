/* Custom Events beacon, minified by hand to stay near 1 KB gzip. The
   server drops this comment when it serves /ma.js. docs/beacon.md
   describes the behaviour and the message format.
   M  the snippet's stub: endpoint u, site key k, queue q of earlier calls
   W  writes a console warning
   F  wraps a public call so that it never throws
   B  returns the UTF-8 byte length of a string
   V  returns the visitor id from the _ma_vid cookie, or sets a new one
   T  returns the visit's first utm_* query parameters, kept in sessionStorage
   C  returns what is wrong with a metadata object, or undefined
   P  posts a message as text/plain with sendBeacon, else fetch with keepalive
   A  the public $__MA object that replaces the stub */
!function(w,d,n,l){
var M=w.$__MA||{},q=M.q||[],k=M.k,u=M.u,
W=m=>console.warn("$__MA: "+m),
F=f=>(...a)=>{try{f(...a)}catch(e){}},
B=t=>new Blob([t]).size,
V=(m,s)=>{if(m=d.cookie.match(/(?:^|; )_ma_vid=([0-9a-f]{32})/))return m[1];s=[...crypto.getRandomValues(new Uint8Array(16))].map(x=>(x|256).toString(16).slice(1)).join("");d.cookie="_ma_vid="+s+";path=/;max-age=63072000;SameSite=Lax"+(l.protocol=="https:"?";Secure":"");return s},
T=(S,t)=>{t=(l.search.match(/[?&]utm_[a-z]+=[^&#]*/g)||[]).join("");try{S=sessionStorage;return S._ma_utm||(S._ma_utm=t)}catch(e){return t}},
C=(m,x,v,t,c)=>{if(typeof m!="object"||Array.isArray(m))return"is not an object";c=0;for(x in m){v=m[x];t=typeof v;if(++c>50)return"has over 50 keys";if(t=="number"?!isFinite(v):!/^(string|boolean)$/.test(t))return x+" is not a string, finite number or boolean";if(B(v)>1024)return x+" is over 1024 bytes"}if(B(JSON.stringify(m))>8192)return"is over 8192 bytes"},
P=(m,r,b)=>{if(n.webdriver===true)return;m.k=k;m.v=V();m.u=l.href;r=u+"/collect";b=JSON.stringify(m);try{if(n.sendBeacon(r,b))return}catch(e){}fetch(r,{method:"POST",body:b,keepalive:!0}).catch(e=>0)},
A=w.$__MA={k:k,u:u,
captureEvent:F((s,m,e,p)=>{e={e:s,r:d.referrer,a:T()};if(typeof s!="string"||!s)return W("captureEvent needs a slug");if(m!=null){if(p=C(m))return W("metadata "+p+": event "+s+" not sent");e.m=m}P(e)}),
identify:F(p=>{if(!p||typeof p.email!="string"||!p.email)return W("identify needs an email");P({i:{email:p.email,firstName:p.firstName,lastName:p.lastName,company:p.company}})})};
F(T)();
q.forEach(F(c=>A[c[0]](...c[1])))
}(window,document,navigator,location);
