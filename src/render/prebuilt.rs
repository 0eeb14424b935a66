//! Templates parsed at build time. build.rs parses every `.hbs` file, every path segment
//! that holds `{{...}}` and every family's handler string with the same Handlebars and writes
//! the result out as the tables below; a run turns them back into Handlebars' own
//! [`Template`], which costs a few allocations instead of a parse (parsing was most of a
//! run's time). Tests check every one against Handlebars' own parse at run time. The
//! tables hold indices, not references: data with pointers would be relocated by the loader
//! at every start, even of `--version`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use handlebars::template::{
    BlockParam, DecoratorTemplate, ExpressionSpecBuilder, HelperTemplate, Parameter, Subexpression,
    TemplateElement, TemplateMapping,
};
use handlebars::{JsonValue, Path, PathSeg, Template};

/// A string of [`TEXT`]: its start and length.
#[derive(Clone, Copy)]
struct Str(u32, u32);

impl Str {
    fn get(self) -> &'static str {
        &TEXT[self.0 as usize..][..self.1 as usize]
    }
}

/// Entries of one table: the first one's index and how many.
#[derive(Clone, Copy)]
struct Range(u32, u32);

impl Range {
    fn of<T>(self, table: &'static [T]) -> &'static [T] {
        &table[self.0 as usize..][..self.1 as usize]
    }
}

/// A [`Template`]: its elements (in [`ELEMENTS`]) and each one's line and column (in
/// [`MAPPING`]).
struct Tpl {
    name: Option<Str>,
    elements: Range,
    mapping: Range,
}

/// A [`TemplateElement`], helpers and partials by their index in [`HELPERS`] and
/// [`PARTIALS`]; build.rs refuses the kinds our templates do not use (decorators, partial
/// blocks, `{{{triple}}}` expressions: nothing is HTML-escaped anyway).
enum El {
    Raw(Str),
    Comment(Str),
    Expression(u32),
    Block(u32),
    Partial(u32),
}

/// A [`HelperTemplate`]; its template and inverse by their index in [`TEMPLATES`].
struct Helper {
    name: Param,
    params: Range,
    hash: Range,
    block_param: Option<(Param, Option<Param>)>,
    template: Option<u32>,
    inverse: Option<u32>,
    block: bool,
    chain: bool,
    indent_before_write: bool,
}

/// A partial call, a [`DecoratorTemplate`].
struct Partial {
    name: Param,
    params: Range,
    hash: Range,
    indent: Option<Str>,
    indent_before_write: bool,
}

/// A [`Parameter`]: a literal as JSON text.
enum Param {
    Name(Str),
    /// A path of names only (`names.prefix`): its names (in [`NAMES`]) and its text.
    Names(Range, Str),
    /// `@index`, `../@key`: how many levels up, the name, the text.
    Local(u32, Str, Str),
    /// Any other path (`@root.x`): its segments (in [`SEGS`]) and its text.
    Path(Range, Str),
    Literal(Str),
    /// A helper call, by its index in [`HELPERS`].
    Subexpression(u32),
}

/// A [`PathSeg`]; Handlebars' rules are not public, so `@root` is a copy of
/// [`Prototypes::root`] (build.rs refuses the others, which our templates do not use).
enum Seg {
    Named(Str),
    Root,
}

include!(concat!(env!("OUT_DIR"), "/prebuilt.rs"));

/// The template at `name` (its path under `templates/`), if it is one.
pub(super) fn template(name: &str) -> Option<Template> {
    Some(Builder::new(&BTreeMap::new()).build(index(name)?))
}

/// The templates at `names` with the partials of `partials` (partial name -> its template's
/// path) written into them where they call one plainly: no arguments, no indentation, not
/// from inside an indented partial. Handlebars renders a partial call by deep-copying the
/// current context, the whole project's at the top, and that was a tenth of a run. Such a
/// call renders exactly its partial's elements in place, so the output is the same (the
/// snapshots hold it); indented calls stay calls, to the partials as registered.
///
/// The templates at `names`, in order; `Err` names a path that is not a template.
pub(super) fn templates_with_partials<'n>(
    names: impl IntoIterator<Item = &'n str>,
    partials: &BTreeMap<&str, &str>,
) -> Result<Vec<Template>, String> {
    let tpl = |path: &str| index(path).ok_or_else(|| path.to_owned());
    let partials = partials
        .iter()
        .map(|(&partial, path)| Ok((partial, tpl(path)?)))
        .collect::<Result<_, String>>()?;
    let builder = Builder::new(&partials);
    names
        .into_iter()
        .map(|name| Ok(builder.build(tpl(name)?)))
        .collect()
}

/// The names of the partials `template` calls, in helper blocks too (build.rs refuses a
/// partial named by anything but a name).
pub(super) fn partial_calls(template: &Template) -> Vec<String> {
    let mut found = Vec::new();
    for element in &template.elements {
        match element {
            TemplateElement::PartialExpression(p) => {
                if let Parameter::Name(name) = &p.name {
                    found.push(name.clone());
                }
            }
            TemplateElement::HelperBlock(h) => {
                for nested in h.template.iter().chain(&h.inverse) {
                    found.extend(partial_calls(nested));
                }
            }
            _ => {}
        }
    }
    found
}

/// The template whose text is `source`, if it is a path segment (`{{names.module}}`) or a
/// family's handler string: build.rs parsed those too.
pub(super) fn inline(source: &str) -> Option<Template> {
    let i = INLINE
        .binary_search_by(|(text, _)| text.get().cmp(source))
        .ok()?;
    Some(Builder::new(&BTreeMap::new()).build(&TEMPLATES[INLINE[i].1 as usize]))
}

/// The template of the file at `name`.
fn index(name: &str) -> Option<&'static Tpl> {
    let i = PREBUILT
        .binary_search_by(|(path, _)| path.get().cmp(name))
        .ok()?;
    Some(&TEMPLATES[PREBUILT[i].1 as usize])
}

/// Handlebars' types for elements cannot be built whole outside it (their fields that say
/// whether to indent are private, and their builders clone every field): each element is a
/// copy of one of these, made by Handlebars once a run, with its public fields set.
struct Prototypes {
    place: TemplateMapping,
    root: PathSeg,
    /// By `indent_before_write`.
    helpers: [HelperTemplate; 2],
    partials: [DecoratorTemplate; 2],
}

fn prototypes() -> &'static Prototypes {
    static PROTOTYPES: OnceLock<Prototypes> = OnceLock::new();
    PROTOTYPES.get_or_init(|| {
        let spec = || {
            ExpressionSpecBuilder::default()
                .name(Parameter::Name(String::new()))
                .params(Vec::new())
                .hash(HashMap::new())
                .omit_pre_ws(false)
                .omit_pro_ws(false)
                .build()
                .expect("every field is set")
        };
        // One parse for every part that only Handlebars can make.
        let mut parsed = Template::compile("{{@root/x}}").expect("a one-tag template parses");
        let Some(TemplateElement::Expression(tag)) = parsed.elements.pop() else {
            unreachable!("one tag is one expression")
        };
        let Parameter::Path(Path::Relative((segs, _))) = tag.name else {
            unreachable!("@root/x is a relative path")
        };
        let root = segs.into_iter().next().expect("@root comes first");
        Prototypes {
            place: parsed.mapping.pop().expect("one element, one place"),
            root,
            helpers: [false, true].map(|indent| HelperTemplate::new(spec(), false, indent)),
            partials: [false, true].map(|indent| DecoratorTemplate::new(spec(), indent)),
        }
    })
}

/// Turns tables into Handlebars' types, writing in the partials it is given.
struct Builder<'p> {
    prototypes: &'static Prototypes,
    partials: &'p BTreeMap<&'p str, &'static Tpl>,
    /// The partials being written in: one that calls itself stays a call (which Handlebars
    /// refuses) instead of being written in forever.
    calling: RefCell<Vec<&'static Tpl>>,
}

impl<'p> Builder<'p> {
    fn new(partials: &'p BTreeMap<&'p str, &'static Tpl>) -> Builder<'p> {
        Builder {
            prototypes: prototypes(),
            partials,
            calling: RefCell::new(Vec::new()),
        }
    }

    fn build(&self, tpl: &Tpl) -> Template {
        let mut template = Template::new();
        template.name = tpl.name.map(|name| name.get().to_owned());
        let places = tpl.mapping.of(MAPPING);
        for (element, &place) in tpl.elements.of(ELEMENTS).iter().zip(places) {
            self.push(element, place, &mut template);
        }
        template
    }

    /// Adds `element` at `place`, or the elements of the partial it calls plainly, each at
    /// the call's place (where an error is reported).
    fn push(&self, element: &El, place: (u32, u32), template: &mut Template) {
        if let Some(partial) = self.plain_call(element) {
            self.calling.borrow_mut().push(partial);
            for element in partial.elements.of(ELEMENTS) {
                self.push(element, place, template);
            }
            self.calling.borrow_mut().pop();
            return;
        }
        template.elements.push(self.element(element));
        let mut mapping = self.prototypes.place.clone();
        (mapping.0, mapping.1) = (place.0 as usize, place.1 as usize);
        template.mapping.push(mapping);
    }

    /// The partial `element` calls, if it calls one of ours with nothing and no indentation.
    fn plain_call(&self, element: &El) -> Option<&'static Tpl> {
        let El::Partial(p) = element else {
            return None;
        };
        let p = &PARTIALS[*p as usize];
        match p.name {
            Param::Name(name) if p.params.1 == 0 && p.hash.1 == 0 && p.indent.is_none() => {
                let partial = *self.partials.get(name.get())?;
                let calling = self.calling.borrow();
                (!calling.iter().any(|c| std::ptr::eq(*c, partial))).then_some(partial)
            }
            _ => None,
        }
    }

    fn element(&self, element: &El) -> TemplateElement {
        match element {
            El::Raw(text) => TemplateElement::RawString(text.get().to_owned()),
            El::Comment(text) => TemplateElement::Comment(text.get().to_owned()),
            El::Expression(h) => TemplateElement::Expression(Box::new(self.helper(*h))),
            El::Block(h) => TemplateElement::HelperBlock(Box::new(self.helper(*h))),
            El::Partial(p) => {
                let p = &PARTIALS[*p as usize];
                let mut partial =
                    self.prototypes.partials[usize::from(p.indent_before_write)].clone();
                partial.name = param(&p.name);
                partial.params = p.params.of(PARAMS).iter().map(param).collect();
                partial.hash = hash_map(p.hash);
                partial.indent = p.indent.map(|indent| indent.get().to_owned());
                TemplateElement::PartialExpression(Box::new(partial))
            }
        }
    }

    fn helper(&self, index: u32) -> HelperTemplate {
        let h = &HELPERS[index as usize];
        let mut helper = self.prototypes.helpers[usize::from(h.indent_before_write)].clone();
        helper.name = param(&h.name);
        helper.params = h.params.of(PARAMS).iter().map(param).collect();
        helper.hash = hash_map(h.hash);
        helper.block_param = h.block_param.as_ref().map(|(one, two)| match two {
            None => BlockParam::Single(param(one)),
            Some(two) => BlockParam::Pair((param(one), param(two))),
        });
        let nested = |t: u32| self.build(&TEMPLATES[t as usize]);
        helper.template = h.template.map(nested);
        helper.inverse = h.inverse.map(nested);
        helper.block = h.block;
        helper.chain = h.chain;
        helper
    }
}

fn hash_map(hash: Range) -> HashMap<String, Parameter> {
    hash.of(HASH)
        .iter()
        .map(|(key, value)| (key.get().to_owned(), param(value)))
        .collect()
}

fn param(p: &Param) -> Parameter {
    match *p {
        Param::Name(name) => Parameter::Name(name.get().to_owned()),
        Param::Names(names, raw) => Parameter::Path(Path::Relative((
            names
                .of(NAMES)
                .iter()
                .map(|n| PathSeg::Named(n.get().to_owned()))
                .collect(),
            raw.get().to_owned(),
        ))),
        Param::Local(level, name, raw) => Parameter::Path(Path::Local((
            level as usize,
            name.get().to_owned(),
            raw.get().to_owned(),
        ))),
        Param::Path(segs, raw) => Parameter::Path(Path::Relative((
            segs.of(SEGS)
                .iter()
                .map(|seg| match seg {
                    Seg::Named(name) => PathSeg::Named(name.get().to_owned()),
                    Seg::Root => prototypes().root.clone(),
                })
                .collect(),
            raw.get().to_owned(),
        ))),
        Param::Literal(json) => Parameter::Literal(
            serde_json::from_str::<JsonValue>(json.get()).expect("build.rs wrote it as JSON"),
        ),
        Param::Subexpression(h) => {
            let h = &HELPERS[h as usize];
            Parameter::Subexpression(Subexpression::new(
                param(&h.name),
                h.params.of(PARAMS).iter().map(param).collect(),
                hash_map(h.hash),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(template: &Template) -> String {
        let mut text = String::new();
        for element in &template.elements {
            if let TemplateElement::RawString(raw) = element {
                text.push_str(raw);
            }
        }
        text
    }

    #[test]
    fn plain_partial_calls_are_written_in_and_indented_ones_stay_calls() {
        let sam = "shared/common/template.yaml.hbs";
        let policy = "triggers/sqs/common/_partials/trigger_policy.hbs";
        let plain = template(sam).unwrap();
        assert!(partial_calls(&plain).contains(&"trigger_policy".to_owned()));
        let written = templates_with_partials([sam], &BTreeMap::from([("trigger_policy", policy)]));
        let written = written.unwrap().remove(0);
        assert!(!partial_calls(&written).contains(&"trigger_policy".to_owned()));
        assert!(text(&written).contains(&text(&template(policy).unwrap())));
        assert_eq!(written.elements.len(), written.mapping.len());

        let csproj = "dotnet/common/function/src/{{names.pascal}}/{{names.pascal}}.csproj.hbs";
        let packages = "dotnet/triggers/api/_partials/dotnet_event_packages.hbs";
        let partials = BTreeMap::from([("dotnet_event_packages", packages)]);
        let indented = templates_with_partials([csproj], &partials).unwrap();
        assert_eq!(partial_calls(&indented[0]), ["dotnet_event_packages"]);
    }

    #[test]
    fn a_missing_template_or_partial_is_named() {
        let sam = "shared/common/template.yaml.hbs";
        let missing = "shared/common/missing.hbs";
        let partials = BTreeMap::from([("trigger_policy", missing)]);
        assert_eq!(
            templates_with_partials([sam], &partials).unwrap_err(),
            missing
        );
        let none = BTreeMap::new();
        assert_eq!(
            templates_with_partials([sam, missing], &none).unwrap_err(),
            missing
        );
    }

    #[test]
    fn a_partial_that_calls_itself_stays_a_call() {
        let sam = "shared/common/template.yaml.hbs";
        let written = templates_with_partials([sam], &BTreeMap::from([("trigger_policy", sam)]));
        assert!(partial_calls(&written.unwrap()[0]).contains(&"trigger_policy".to_owned()));
    }
}
