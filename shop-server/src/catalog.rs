//! What the shop sells and at what price. The price is always the server's:
//! an offer is made from the catalog, never from what a client says.

use std::collections::BTreeMap;
use std::path::Path;

use halfpenny::messages::MAX_ITEM_NAME;
use halfpenny::{Amount, Assertion, Currency};
use serde::Deserialize;

/// One thing for sale.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub price: Amount,
    /// An assertion the buyer must prove with an authorization token.
    pub requires: Option<Assertion>,
    /// The content released once paid.
    pub body: String,
}

/// Every item, by id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Catalog {
    items: BTreeMap<String, Item>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the catalog {0}: {1}")]
    Io(String, std::io::Error),
    #[error("the catalog is not the expected JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("catalog item `{0}`: {1}")]
    Item(String, &'static str),
    #[error("the catalog has no items")]
    Empty,
}

/// An item as written in a catalog file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    id: String,
    title: String,
    price_minor: u64,
    currency: String,
    #[serde(default)]
    requires: Option<String>,
    body: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    items: Vec<ItemFile>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.get(id)
    }

    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }

    /// Reads a catalog file: `{"items": [{"id", "title", "price_minor",
    /// "currency", "requires" (optional), "body"}]}`.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CatalogError::Io(path.display().to_string(), e))?;
        Self::from_json(&text)
    }

    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = serde_json::from_str(text)?;
        let mut items = BTreeMap::new();
        for f in file.items {
            let item = Self::item(f)?;
            if items.contains_key(&item.id) {
                return Err(CatalogError::Item(item.id, "appears twice"));
            }
            items.insert(item.id.clone(), item);
        }
        if items.is_empty() {
            return Err(CatalogError::Empty);
        }
        Ok(Catalog { items })
    }

    fn item(f: ItemFile) -> Result<Item, CatalogError> {
        let bad = |why| CatalogError::Item(f.id.clone(), why);
        let id_ok = (1..=MAX_ITEM_NAME).contains(&f.id.len())
            && f.id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !id_ok {
            return Err(bad(
                "an id is 1 to 64 characters a-z, A-Z, 0-9, '-', '_' and '.'",
            ));
        }
        if f.price_minor == 0 || f.price_minor > i64::MAX as u64 {
            return Err(bad("the price must be above zero"));
        }
        let currency =
            Currency::new(&f.currency).map_err(|_| bad("a currency is three capital letters"))?;
        let requires = f
            .requires
            .as_deref()
            .map(Assertion::parse)
            .transpose()
            .map_err(|_| bad("`requires` is `age>=N` or a flag name"))?;
        Ok(Item {
            price: Amount::new(f.price_minor, currency),
            requires,
            id: f.id,
            title: f.title,
            body: f.body,
        })
    }

    /// The demo newspaper: four articles at 1, 2, 3 and 5 US cents, and a
    /// wine review at 4 cents for readers who prove they are 18 or older.
    pub fn demo() -> Catalog {
        let usd = |minor| Amount::new(minor, Currency::USD);
        let article = |id: &str, title: &str, minor, requires, body: &[&str]| Item {
            id: id.to_owned(),
            title: title.to_owned(),
            price: usd(minor),
            requires,
            body: body.join("\n\n"),
        };
        let items = [
            article(
                "article-1",
                "Harbour town votes to keep its lighthouse lit",
                1,
                None,
                &[
                    "After three evenings of debate in the old fish market, the council of Port Kessel voted eleven to two to keep the lighthouse on Gull Point burning through the winter.",
                    "The lamp has not guided a ship since the channel silted up in the nineties, but residents argued that the light is how the town finds its way home. \"You see it from the ridge road and you know where you are,\" said the harbour master, who has climbed its 143 steps every Sunday for twenty years.",
                    "The cost, about the price of one new streetlight a year, will be shared by the sailing club and a collection box in the bakery.",
                ],
            ),
            article(
                "article-2",
                "The penny that paid for the news",
                2,
                None,
                &[
                    "Newspapers once cost a penny because a penny was the smallest coin in most pockets. The web never had a penny: card fees start at about thirty cents, so sites turned to subscriptions and advertising instead.",
                    "Split tokens bring the coin back. A bank mints small tokens and cuts each one in two, like a banknote torn down the middle; the reader keeps one half and the paper keeps the other. Paying is handing your half over, and the paper knows on the spot, without calling the bank, that the coin is good.",
                    "This article cost you two cents. Nobody learnt your name.",
                ],
            ),
            article(
                "article-3",
                "Allotment society reports a record marrow",
                3,
                None,
                &[
                    "The Eastfield Allotment Society weighed in a marrow of 31.4 kilograms at its autumn show on Saturday, beating the county record set in 1987 by almost two kilograms.",
                    "Its grower, a retired bus driver, credits seaweed from the beach, a radio tuned to the cricket and \"not looking at it too often\". The judges needed a borrowed sack barrow to lift it onto the scales.",
                    "The marrow will be turned into soup for the society's winter supper, to which the whole street is invited.",
                ],
            ),
            article(
                "article-4",
                "Night trains return to the northern line",
                5,
                None,
                &[
                    "From the spring timetable, a sleeper train will again leave the capital at ten in the evening and reach the coast by breakfast, ending a gap of eleven years.",
                    "The operator has refitted twelve carriages with compartments for two and four, a dining car that serves porridge from six, and racks for forty bicycles. Fares start at the price of a hotel room and include the room.",
                    "Rail groups welcomed the news but asked for a stop at the junction towns, which lost their last direct service when the old night train was withdrawn.",
                ],
            ),
            article(
                "wine-review",
                "Wine review: a northern red worth the climb",
                4,
                Some(Assertion::AgeAtLeast(18)),
                &[
                    "Vineyards this far north were a joke a generation ago. This year's pinot from the terraces above the lake is no joke: pale, bright and smelling of cherries and wet stone, with the lightness of a wine that had to fight for every degree of sugar.",
                    "Drink it slightly cool with mushrooms or river fish. It keeps for a day or two after opening, if it lasts that long.",
                    "Sold at the cellar door only, at a price that makes the drive worth it. Please drink responsibly.",
                ],
            ),
        ];
        Catalog {
            items: items.into_iter().map(|i| (i.id.clone(), i)).collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_newspaper_has_four_articles_and_a_wine_review_for_adults() {
        let c = Catalog::demo();
        let prices: Vec<(String, u64)> =
            c.items().map(|i| (i.id.clone(), i.price.minor())).collect();
        assert_eq!(
            prices,
            [
                ("article-1", 1),
                ("article-2", 2),
                ("article-3", 3),
                ("article-4", 5),
                ("wine-review", 4)
            ]
            .map(|(i, p)| (i.to_owned(), p))
        );
        assert_eq!(
            c.get("wine-review").unwrap().requires,
            Some(Assertion::AgeAtLeast(18))
        );
        assert!(c.items().all(|i| i.price.currency() == Currency::USD));
        assert!(c.items().all(|i| i.body.split("\n\n").count() >= 3));
    }

    #[test]
    fn a_catalog_file_is_read_and_checked() {
        let c = Catalog::from_json(
            r#"{"items": [{"id": "song-1", "title": "A song", "price_minor": 25, "currency": "EUR", "body": "la la"},
                          {"id": "archive", "title": "Archive", "price_minor": 1, "currency": "USD", "requires": "cleared-for-archive", "body": "…"}]}"#,
        )
        .unwrap();
        assert_eq!(
            c.get("song-1").unwrap().price,
            Amount::new(25, Currency::EUR)
        );
        assert_eq!(
            c.get("archive").unwrap().requires,
            Some(Assertion::Flag("cleared-for-archive".into()))
        );
        for bad in [
            r#"{"items": []}"#,
            r#"{"items": [{"id": "a", "title": "t", "price_minor": 0, "currency": "USD", "body": ""}]}"#,
            r#"{"items": [{"id": "a b", "title": "t", "price_minor": 1, "currency": "USD", "body": ""}]}"#,
            r#"{"items": [{"id": "a", "title": "t", "price_minor": 1, "currency": "usd", "body": ""}]}"#,
            r#"{"items": [{"id": "a", "title": "t", "price_minor": 1, "currency": "USD", "requires": "Age 18", "body": ""}]}"#,
            r#"{"items": [{"id": "a", "title": "t", "price_minor": 1, "currency": "USD", "body": ""}, {"id": "a", "title": "t", "price_minor": 1, "currency": "USD", "body": ""}]}"#,
            r#"{"items": [{"id": "a", "title": "t", "price_minor": 1, "currency": "USD", "body": "", "price": 9}]}"#,
        ] {
            assert!(Catalog::from_json(bad).is_err(), "{bad}");
        }
    }
}
