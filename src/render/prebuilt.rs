//! Templates parsed at build time. build.rs parses every `.hbs` file with the same Handlebars
//! and writes the result out as the static data below; a run turns it back into Handlebars'
//! own [`Template`], which costs a few allocations instead of a parse (parsing was most of a
//! run's time). A test checks every template against Handlebars' own parse at run time.

use std::collections::HashMap;

use std::sync::OnceLock;

use handlebars::template::{
    BlockParam, DecoratorTemplate, ExpressionSpecBuilder, HelperTemplate, Parameter, Subexpression,
    TemplateElement, TemplateMapping,
};
use handlebars::{JsonValue, Path, PathSeg, Template};

/// A [`Template`] as static data.
pub(super) struct Tpl {
    name: Option<&'static str>,
    elements: &'static [El],
    /// Line and column of each element.
    mapping: &'static [(usize, usize)],
}

/// A [`TemplateElement`]; build.rs refuses the kinds our templates do not use (decorators,
/// partial blocks, `{{{triple}}}` expressions: nothing is HTML-escaped anyway).
enum El {
    Raw(&'static str),
    Comment(&'static str),
    Expression(&'static Helper),
    Block(&'static Helper),
    Partial(&'static Partial),
}

/// A [`HelperTemplate`].
struct Helper {
    name: Param,
    params: &'static [Param],
    hash: &'static [(&'static str, Param)],
    block_param: Option<(Param, Option<Param>)>,
    template: Option<&'static Tpl>,
    inverse: Option<&'static Tpl>,
    block: bool,
    chain: bool,
    indent_before_write: bool,
}

/// A partial call, a [`DecoratorTemplate`].
struct Partial {
    name: Param,
    params: &'static [Param],
    hash: &'static [(&'static str, Param)],
    indent: Option<&'static str>,
    indent_before_write: bool,
}

/// A [`Parameter`]: a literal as JSON text.
enum Param {
    Name(&'static str),
    /// A path of names only (`names.prefix`): its names and its text.
    Names(&'static [&'static str], &'static str),
    /// `@index`, `../@key`: how many levels up, the name, the text.
    Local(usize, &'static str, &'static str),
    /// Any other path (`this`, `../x`), parsed when it is built.
    Path(&'static str),
    Literal(&'static str),
    Subexpression(&'static Helper),
}

include!(concat!(env!("OUT_DIR"), "/prebuilt.rs"));

/// The template at `name` (its path under `templates/`), if it is one.
pub(super) fn template(name: &str) -> Option<Template> {
    let i = PREBUILT
        .binary_search_by(|(path, _)| path.cmp(&name))
        .ok()?;
    Some(build(&PREBUILT[i].1, prototypes()))
}

/// Handlebars' types for elements cannot be built whole outside it (their fields that say
/// whether to indent are private, and their builders clone every field): each element is a
/// copy of one of these, made by Handlebars once a run, with its public fields set.
struct Prototypes {
    place: TemplateMapping,
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
        Prototypes {
            place: Template::compile("{{x}}")
                .expect("a one-tag template parses")
                .mapping
                .pop()
                .expect("one element, one place"),
            helpers: [false, true].map(|indent| HelperTemplate::new(spec(), false, indent)),
            partials: [false, true].map(|indent| DecoratorTemplate::new(spec(), indent)),
        }
    })
}

fn build(tpl: &Tpl, prototypes: &Prototypes) -> Template {
    let mut template = Template::new();
    template.name = tpl.name.map(str::to_owned);
    template.elements = tpl
        .elements
        .iter()
        .map(|e| element(e, prototypes))
        .collect();
    template.mapping = tpl
        .mapping
        .iter()
        .map(|&(line, column)| {
            let mut mapping = prototypes.place.clone();
            (mapping.0, mapping.1) = (line, column);
            mapping
        })
        .collect();
    template
}

fn element(element: &El, prototypes: &Prototypes) -> TemplateElement {
    match element {
        El::Raw(text) => TemplateElement::RawString((*text).to_owned()),
        El::Comment(text) => TemplateElement::Comment((*text).to_owned()),
        El::Expression(h) => TemplateElement::Expression(Box::new(helper(h, prototypes))),
        El::Block(h) => TemplateElement::HelperBlock(Box::new(helper(h, prototypes))),
        El::Partial(p) => {
            let mut partial = prototypes.partials[usize::from(p.indent_before_write)].clone();
            partial.name = param(&p.name);
            partial.params = p.params.iter().map(param).collect();
            partial.hash = hash_map(p.hash);
            partial.indent = p.indent.map(str::to_owned);
            TemplateElement::PartialExpression(Box::new(partial))
        }
    }
}

fn helper(h: &Helper, prototypes: &Prototypes) -> HelperTemplate {
    let mut helper = prototypes.helpers[usize::from(h.indent_before_write)].clone();
    helper.name = param(&h.name);
    helper.params = h.params.iter().map(param).collect();
    helper.hash = hash_map(h.hash);
    helper.block_param = h.block_param.as_ref().map(|(one, two)| match two {
        None => BlockParam::Single(param(one)),
        Some(two) => BlockParam::Pair((param(one), param(two))),
    });
    helper.template = h.template.map(|t| build(t, prototypes));
    helper.inverse = h.inverse.map(|t| build(t, prototypes));
    helper.block = h.block;
    helper.chain = h.chain;
    helper
}

fn hash_map(hash: &[(&str, Param)]) -> HashMap<String, Parameter> {
    hash.iter()
        .map(|(key, value)| ((*key).to_owned(), param(value)))
        .collect()
}

fn param(p: &Param) -> Parameter {
    match p {
        Param::Name(name) => Parameter::Name((*name).to_owned()),
        Param::Names(names, raw) => Parameter::Path(Path::Relative((
            names
                .iter()
                .map(|n| PathSeg::Named((*n).to_owned()))
                .collect(),
            (*raw).to_owned(),
        ))),
        Param::Local(level, name, raw) => {
            Parameter::Path(Path::Local((*level, (*name).to_owned(), (*raw).to_owned())))
        }
        Param::Path(path) => Parameter::Path(Path::parse(path).expect("build.rs parsed it")),
        Param::Literal(json) => Parameter::Literal(
            serde_json::from_str::<JsonValue>(json).expect("build.rs wrote it as JSON"),
        ),
        Param::Subexpression(h) => Parameter::Subexpression(Subexpression::new(
            param(&h.name),
            h.params.iter().map(param).collect(),
            hash_map(h.hash),
        )),
    }
}
