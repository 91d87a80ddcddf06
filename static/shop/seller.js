// The seller's desk: reads the shop server's operator summary with the
// operator token (kept for this tab only) and shows it as plain tables.

const $ = (id) => document.getElementById(id);
const money = (a) => {
  const digits = ["JPY", "KRW", "ISK", "CLP", "VND"].includes(a.currency) ? 0 : 2;
  const scale = 10 ** digits;
  const whole = Math.floor(a.minor / scale);
  const part = String(a.minor % scale).padStart(digits, "0");
  return digits ? `${a.currency} ${whole}.${part}` : `${a.currency} ${whole}`;
};
const cell = (text) => {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
};
const item = (text, testid) => {
  const li = document.createElement("li");
  li.textContent = text;
  if (testid) li.dataset.testid = testid;
  return li;
};

function token() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem("shop-operator-token", fromLink);
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("shop-operator-token");
}

async function call(method, path) {
  const answer = await fetch(path, { method, headers: { Authorization: `Bearer ${token()}` } });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Error(body.error?.message ?? "The shop server refused the request.");
  return body;
}

async function show() {
  $("error").textContent = "";
  let s;
  try {
    s = await call("GET", "/shop/v1/operator/summary");
  } catch (e) {
    $("error").textContent = e.message;
    return;
  }
  $("login").hidden = true;
  $("desk").hidden = false;
  $("seller").textContent = s.seller;
  $("bank").textContent = s.bank;
  $("takings").replaceChildren(
    ...(s.takings.length ? s.takings.map((t) => item(`${money(t)} in ${t.tokens} tokens`, "desk-taking")) : [item("Nothing.")]),
  );
  $("redeemed").replaceChildren(
    ...(s.redeemed.length ? s.redeemed.map((a) => item(money(a), "desk-redeemed-amount")) : [item("Nothing yet.")]),
  );
  $("purses").replaceChildren(
    ...s.purses.map((p) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = "desk-purse";
      tr.dataset.purse = p.purse;
      tr.append(
        cell(p.purse),
        cell(p.state),
        cell(money({ currency: p.currency, minor: p.unspent_minor })),
        cell(p.halves_left),
        cell(p.spent),
      );
      return tr;
    }),
  );
  $("refused").replaceChildren(
    ...s.refused.map((r) => {
      const tr = document.createElement("tr");
      tr.dataset.testid = "desk-refusal";
      tr.append(cell(new Date(r.at * 1000).toLocaleString()), cell(`${r.message} (${r.code})`));
      return tr;
    }),
  );
}

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem("shop-operator-token", $("token").value);
  show();
});

$("redeem").addEventListener("click", async () => {
  $("redeem-result").textContent = "Asking the bank…";
  try {
    const r = await call("POST", "/shop/v1/operator/redeem");
    const credited = r.credited.length ? r.credited.map(money).join(", ") : "nothing new";
    $("redeem-result").textContent = `The bank credited ${credited}.`;
  } catch (e) {
    $("redeem-result").textContent = e.message;
  }
  show();
});

if (token()) show();
