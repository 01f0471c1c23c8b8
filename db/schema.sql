-- nmref database schema.
--
-- Every fact row names its source document (source_id), the verbatim text it was taken from
-- (quote) and the 1-based line of that document where the quote starts. scripts/build_db.py
-- refuses to build when a quote is not found there. The build stamps meta.schema_version;
-- nmref refuses to read a database whose version differs from the one it was written for.

PRAGMA foreign_keys = ON;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Four promotional web articles (the seeds); two checked notes documents compiled from public
-- pages, in our own words: reference notes (identity, ATC, regulatory status) and label notes
-- (official product information); and each of those pages by URL. A fact's kind of evidence
-- follows from its source's kind (nmref.query.facts.EVIDENCE).
CREATE TABLE sources (
    id     TEXT PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('promotional-article', 'reference-notes', 'label-notes', 'reference')),
    title  TEXT NOT NULL CHECK (title <> ''),
    file   TEXT,
    url    TEXT,
    sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
    -- The standing of a web page (kind 'reference'): a regulator's or register's page, the
    -- holder's own page, a third-party copy of a label, or a page that is not a label at all.
    grade  TEXT CHECK (grade IN ('regulator', 'holder', 'label-copy', 'not-a-label', 'reference-work')),
    CHECK (kind = 'reference' OR grade IS NULL),
    CHECK ((kind = 'reference') = (url IS NOT NULL)),
    CHECK ((kind = 'reference') = (file IS NULL)),
    CHECK ((file IS NULL) = (sha256 IS NULL))
);

-- `kind`: a drug nmref has a monograph for, or a substance that only a label names (omeprazole,
-- alcohol, moclobemide): it resolves in `check` and `show` says which labels mention it.
CREATE TABLE drugs (
    id          TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    name        TEXT NOT NULL CHECK (name <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('monograph', 'substance')),
    description TEXT NOT NULL CHECK (description <> ''),
    source_id   TEXT NOT NULL REFERENCES sources (id),
    line        INTEGER NOT NULL CHECK (line >= 1),
    quote       TEXT NOT NULL CHECK (quote <> ''),
    citations   TEXT
);

-- Every name a user may type. `key` is the normalised form (nmref.names.normalize), so one
-- spelling can point to one drug only.
CREATE TABLE drug_names (
    key       TEXT PRIMARY KEY CHECK (key <> ''),
    name      TEXT NOT NULL CHECK (name <> ''),
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    kind      TEXT NOT NULL CHECK (kind IN ('canonical', 'brand', 'inn', 'spelling', 'cyrillic', 'transliteration')),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT
);
CREATE INDEX drug_names_by_drug ON drug_names (drug_id);

CREATE TABLE classes (
    id        TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    name      TEXT NOT NULL CHECK (name <> ''),
    parent_id TEXT REFERENCES classes (id),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT
);
CREATE INDEX classes_by_parent ON classes (parent_id);

-- Class names and aliases, normalised and stripped of a plural "s" (nmref.names.class_key).
CREATE TABLE class_names (
    key      TEXT PRIMARY KEY CHECK (key <> ''),
    name     TEXT NOT NULL,
    class_id TEXT NOT NULL REFERENCES classes (id)
);

CREATE TABLE drug_classes (
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    class_id  TEXT NOT NULL REFERENCES classes (id),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT,
    PRIMARY KEY (drug_id, class_id)
);
CREATE INDEX drug_classes_by_class ON drug_classes (class_id);

-- The fact tables share one shape: a curated id, the drug, `text` (a curator's short wording,
-- never restating a dose amount), the source, line and verbatim quote, and `defect` where the
-- source sentence itself is broken (the quote is kept as it stands, `note` says what is wrong).

CREATE TABLE ingredients (
    id                 TEXT PRIMARY KEY,
    drug_id            TEXT NOT NULL REFERENCES drugs (id),
    text               TEXT NOT NULL CHECK (text <> ''),
    ingredient_drug_id TEXT REFERENCES drugs (id),
    source_id          TEXT NOT NULL REFERENCES sources (id),
    line               INTEGER NOT NULL CHECK (line >= 1),
    quote              TEXT NOT NULL CHECK (quote <> ''),
    defect             TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note               TEXT,
    citations          TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX ingredients_by_drug ON ingredients (drug_id);
CREATE INDEX ingredients_by_name ON ingredients (text);

CREATE TABLE forms (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX forms_by_drug ON forms (drug_id);

-- `basis`: a use the source presents as what the drug is for (stated-use); a promotional
-- statement of benefit (claimed-effect); or a claim made of a whole group and recorded on each
-- member (group-claim); or what an article says of how the drug acts or moves in the body
-- (pharmacology: absorption, metabolism), which is no use. Hedges stay in `text` ("perhaps", "shown promise").
CREATE TABLE indications (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    basis     TEXT NOT NULL CHECK (basis IN ('stated-use', 'claimed-effect', 'group-claim', 'pharmacology')),
    context   TEXT,
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    citations TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX indications_by_drug ON indications (drug_id);

CREATE TABLE contraindications (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    severity  TEXT NOT NULL CHECK (severity IN ('absolute', 'relative')),
    context   TEXT,
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    citations TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX contraindications_by_drug ON contraindications (drug_id);

CREATE TABLE adverse_effects (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    frequency TEXT,
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    citations TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX adverse_effects_by_drug ON adverse_effects (drug_id);

-- `other_name` is the other party as the source names it; `other_drug_id` links it when it is
-- a drug or substance in the database, `other_ingredient` when the source names an active
-- ingredient, `other_class_id` when it names a class (the rule then reaches every member).
-- `category` is a person's reading of the source's wording, shown as such; `label_words` the
-- label's own severity words where it gives them.
CREATE TABLE interactions (
    id               TEXT PRIMARY KEY,
    drug_id          TEXT NOT NULL REFERENCES drugs (id),
    text             TEXT NOT NULL CHECK (text <> ''),
    other_name       TEXT NOT NULL CHECK (other_name <> ''),
    other_drug_id    TEXT REFERENCES drugs (id),
    other_ingredient TEXT,
    other_class_id   TEXT REFERENCES classes (id),
    category         TEXT NOT NULL CHECK (category IN (
        'contraindicated', 'avoid combining', 'caution', 'monitor', 'required combination',
        'enhances effect', 'may be combined', 'compatible diluent', 'note')),
    label_words      TEXT,
    source_id        TEXT NOT NULL REFERENCES sources (id),
    line             INTEGER NOT NULL CHECK (line >= 1),
    quote            TEXT NOT NULL CHECK (quote <> ''),
    defect           TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note             TEXT,
    citations        TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX interactions_by_drug ON interactions (drug_id);
CREATE INDEX interactions_by_other ON interactions (other_drug_id);

-- Dosing is only ever the verbatim quote of an article; `text` names the indication or context.
-- From the label notes, a row only says where a label gives its dosing (the page and section):
-- nmref restates no label's dose.
CREATE TABLE label_dosing (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    citations TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX label_dosing_by_drug ON label_dosing (drug_id);

-- Analogues as a source lists them; `text` is the dosage form heading they are listed under.
CREATE TABLE analogues (
    id          TEXT PRIMARY KEY,
    drug_id     TEXT NOT NULL REFERENCES drugs (id),
    analogue_id TEXT NOT NULL REFERENCES drugs (id),
    text        TEXT NOT NULL CHECK (text <> ''),
    source_id   TEXT NOT NULL REFERENCES sources (id),
    line        INTEGER NOT NULL CHECK (line >= 1),
    quote       TEXT NOT NULL CHECK (quote <> ''),
    defect      TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note        TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL),
    CHECK (analogue_id <> drug_id)
);
CREATE INDEX analogues_by_drug ON analogues (drug_id);

-- Special populations, warnings, overdose, driving, storage: from the articles or the labels.
CREATE TABLE precautions (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    topic     TEXT NOT NULL CHECK (topic IN (
        'boxed warning', 'warning', 'pregnancy', 'lactation', 'children', 'elderly', 'renal', 'hepatic',
        'driving', 'overdose', 'storage', 'dispensing', 'advice')),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    defect    TEXT CHECK (defect IN ('incomplete', 'garbled')),
    note      TEXT,
    citations TEXT,
    CHECK (defect IS NULL OR note IS NOT NULL)
);
CREATE INDEX precautions_by_drug ON precautions (drug_id);

-- ATC codes, regulatory and sport (anti-doping) status, which label a drug's label facts come
-- from and its dispensing status: only from the notes, with the pages they cite.
CREATE TABLE reference_facts (
    id        TEXT PRIMARY KEY,
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    field     TEXT NOT NULL CHECK (field IN ('atc', 'regulatory', 'identity', 'sport', 'label', 'dispensing')),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT NOT NULL CHECK (citations <> '')
);
CREATE INDEX reference_facts_by_drug ON reference_facts (drug_id);

-- Claims a careful reference would not repeat unqualified, contradictions between sources or
-- within one (`contradicts-label`: an article against an official label), and source defects.
-- A caveat qualifies any number of facts and drugs (caveat_links); one with no link concerns a
-- whole article. `scope` 'combination': it is about taking its linked drugs together, so
-- `check` reports it once for each pair of them.
CREATE TABLE caveats (
    id        TEXT PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN (
        'contested-claim', 'contradiction', 'contradicts-label', 'labels-disagree', 'source-defect', 'unconfirmed')),
    scope     TEXT NOT NULL CHECK (scope IN ('facts', 'combination')),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT
);

-- What a caveat qualifies: a fact of a drug (shown beside it in every view), or the drug as a
-- whole (fact_table and fact_id empty).
CREATE TABLE caveat_links (
    caveat_id  TEXT NOT NULL REFERENCES caveats (id),
    drug_id    TEXT NOT NULL REFERENCES drugs (id),
    fact_table TEXT CHECK (fact_table IN (
        'ingredients', 'forms', 'indications', 'contraindications', 'adverse_effects', 'interactions',
        'label_dosing', 'precautions', 'analogues', 'reference_facts')),
    fact_id    TEXT,
    CHECK ((fact_table IS NULL) = (fact_id IS NULL)),
    UNIQUE (caveat_id, drug_id, fact_table, fact_id)
);
CREATE INDEX caveat_links_by_drug ON caveat_links (drug_id);

-- Article lines that no fact quotes, each with the reason it is left out (a heading, page
-- furniture, a music video): with the quoted lines they account for every line of an article.
CREATE TABLE left_out (
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    reason    TEXT NOT NULL CHECK (reason <> ''),
    PRIMARY KEY (source_id, line)
);

-- Every fact's wording and quote in one table, filled by the build, and its full-text index.
-- User text is always passed to MATCH as quoted terms, never as query syntax. The index takes
-- its text from `facts` (content="facts", double-quoted so that Datasette shows a search box
-- on the facts table).
CREATE TABLE facts (
    section TEXT NOT NULL,
    fact_id TEXT NOT NULL,
    drug_id TEXT REFERENCES drugs (id),
    text    TEXT NOT NULL,
    quote   TEXT NOT NULL
);
CREATE VIRTUAL TABLE fact_search USING fts5 (
    section UNINDEXED,
    fact_id UNINDEXED,
    drug_id UNINDEXED,
    text,
    quote,
    content = "facts",
    content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- nmref checks this against the version it was written for (nmref.query.SCHEMA_VERSION).
-- Version 2 added the compiled monographs and the trigram counts; version 3 the label notes,
-- substances, precautions, the basis of an indication, class interactions, caveat links and
-- the left-out lines; version 4 the facts table behind the full-text index; version 5 the
-- condition index, interaction management, duplication classes, label versions and page grades.
INSERT INTO meta (key, value) VALUES ('schema_version', '5');

-- Trigrams of every name key, so that "did you mean" finds candidates without reading every
-- name (nmref.query.suggest_drugs). Filled by the build from drug_names.
CREATE VIRTUAL TABLE name_trigrams USING fts5 (
    key,
    tokenize = 'trigram',
    content = "drug_names",
    content_rowid = 'rowid'
);

-- How many names hold each trigram, so that "did you mean" can match only a misspelling's
-- rarest trigrams and read a bounded number of candidates. A view of the index: no storage.
CREATE VIRTUAL TABLE name_trigram_counts USING fts5vocab (name_trigrams, 'row');

-- Each drug's monograph as JSON, compiled by the build with nmref.query.compile_monograph from
-- the tables above, so that a lookup reads one row instead of some twenty queries. `nmref show`
-- adds what was asked and which name matched. Derived data: the build rewrites it every time,
-- and a test checks it against the tables.
CREATE TABLE monographs (
    drug_id TEXT PRIMARY KEY REFERENCES drugs (id),
    body    TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object')
);

-- The condition index: one concept per condition that nmref's facts name, with its ICD-10
-- code(s) where one fits (`codes`: space-separated, a category `G40`, a subcategory `I63.9` or a
-- block `I60-I69`), its English name, the official Russian МКБ-10 title, and its parent concept.
-- Each row quotes its line of the condition notes, with that line's citations.
CREATE TABLE conditions (
    id        TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    name      TEXT NOT NULL CHECK (name <> ''),
    codes     TEXT,
    title_ru  TEXT,
    parent_id TEXT REFERENCES conditions (id),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT,
    -- A code or an official title is a fact from outside: it cites the pages it was read on. A
    -- concept with neither (children, surgery) is only our name for what the facts say.
    CHECK ((codes IS NULL AND title_ru IS NULL) OR citations IS NOT NULL)
);
CREATE INDEX conditions_by_parent ON conditions (parent_id);

-- Every word a clinician may type for a concept, in English or Russian (the build adds the
-- concept's own name and Russian title). `key` is the normalised form (nmref.names.normalize).
CREATE TABLE condition_names (
    key          TEXT PRIMARY KEY CHECK (key <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    language     TEXT NOT NULL CHECK (language IN ('en', 'ru')),
    kind         TEXT NOT NULL CHECK (kind IN ('name', 'title', 'synonym', 'spelling', 'lay')),
    source_id    TEXT NOT NULL REFERENCES sources (id),
    line         INTEGER NOT NULL CHECK (line >= 1),
    quote        TEXT NOT NULL CHECK (quote <> ''),
    citations    TEXT
);
CREATE INDEX condition_names_by_condition ON condition_names (condition_id);

-- Each ICD-10 code of a concept, one row a code (derived by the build from conditions.codes):
-- `first` and `last` bound a block (I60-I69), equal for a single code.
CREATE TABLE condition_codes (
    code         TEXT NOT NULL,
    first        TEXT NOT NULL,
    last         TEXT NOT NULL,
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    PRIMARY KEY (code, condition_id)
);

-- Which concept(s) a condition-bearing fact names, many to many.
CREATE TABLE condition_links (
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    fact_table   TEXT NOT NULL CHECK (fact_table IN (
        'indications', 'contraindications', 'precautions', 'adverse_effects')),
    fact_id      TEXT NOT NULL,
    -- By concept first: a question reads the links of the few concepts it reached.
    PRIMARY KEY (condition_id, fact_table, fact_id)
);

-- Condition-bearing facts deliberately left without a concept, each with the reason.
CREATE TABLE condition_unlinked (
    fact_table TEXT NOT NULL CHECK (fact_table IN (
        'indications', 'contraindications', 'precautions', 'adverse_effects')),
    fact_id    TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (reason <> ''),
    PRIMARY KEY (fact_table, fact_id)
);

-- What kind of interaction a fact states and what to do about it, each assigned by a person
-- from the source's own words (the interaction's quote, kept beside them). Never a dose.
-- `pathway`: the enzyme or route the label names (CYP2C19, CYP2C9, renal), else empty.
-- `monitor`: what to watch where management is 'monitor' (INR, bleeding, blood pressure, ...).
CREATE TABLE interaction_management (
    interaction_id TEXT PRIMARY KEY REFERENCES interactions (id),
    mechanism      TEXT NOT NULL CHECK (mechanism IN (
        'pharmacodynamic', 'pharmacokinetic', 'incompatibility', 'not stated')),
    pathway        TEXT,
    management     TEXT NOT NULL CHECK (management IN (
        'do not combine', 'avoid', 'adjust as the label directs', 'monitor', 'separate in time',
        'no action needed', 'not stated')),
    monitor        TEXT,
    CHECK ((management = 'monitor') = (monitor IS NOT NULL))
);

-- Classes whose members should not be doubled (two vitamin K antagonists, two thienopyridines,
-- two heparins): `check` reports any two members as a duplication, with the class's citations.
CREATE TABLE duplication_classes (
    class_id  TEXT PRIMARY KEY REFERENCES classes (id),
    text      TEXT NOT NULL CHECK (text <> ''),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT NOT NULL CHECK (citations <> '')
);

-- Each official label version nmref's label facts were read from: country, kind of document,
-- holder, its date ('YYYY', 'YYYY-MM' or 'YYYY-MM-DD', or 'not given') and the day it was read.
-- A label fact belongs to the versions whose pages (citations) it cites.
CREATE TABLE label_versions (
    id        TEXT PRIMARY KEY CHECK (id <> '' AND id NOT GLOB '*[^a-z0-9-]*'),
    drug_id   TEXT NOT NULL REFERENCES drugs (id),
    country   TEXT NOT NULL CHECK (country <> ''),
    document  TEXT NOT NULL CHECK (document <> ''),
    holder    TEXT,
    dated     TEXT NOT NULL CHECK (dated = 'not given' OR dated GLOB '[12][0-9][0-9][0-9]*'),
    read_on   TEXT NOT NULL CHECK (read_on GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    source_id TEXT NOT NULL REFERENCES sources (id),
    line      INTEGER NOT NULL CHECK (line >= 1),
    quote     TEXT NOT NULL CHECK (quote <> ''),
    citations TEXT NOT NULL CHECK (citations <> '')
);
CREATE INDEX label_versions_by_drug ON label_versions (drug_id);
