// <halfpenny-pay>: the Halfpenny pay button. A shop includes this module once,
//   <script type="module" src="/widget/halfpenny-pay.js"></script>
// and writes <halfpenny-pay price="2" currency="USD" item="article-42">.
// The logic is in Rust (shop-widget); this only defines the element.
import init, * as widget from "./pkg/shop_widget.js";

await init();

if (!customElements.get("halfpenny-pay")) {
  customElements.define(
    "halfpenny-pay",
    class HalfpennyPay extends HTMLElement {
      static observedAttributes = ["item", "price", "currency", "shop"];
      connectedCallback() {
        widget.connected(this);
      }
      attributeChangedCallback() {
        widget.changed(this);
      }
    },
  );
}
