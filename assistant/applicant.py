"""Map what an applicant says about themselves to the categories the programme documents use.

The documents sort applicants three ways: EEA and non-EEA citizens (fees and deadlines),
non-EEA citizens living in Belgium with a valid residence permit (deadlines), and students with
or without a Flemish degree (admission procedure). ``detect_situation`` reads those facts from
a question in English or Dutch. It runs on every question, so it uses only compiled regular
expressions and dictionary look-ups.

A nationality word counts only when it is about the person ("I'm Dutch", "Dutch passport",
"Indian students", "from India"), never when it names a language ("a question in Dutch",
"Dutch-taught", "I speak German", "English proficiency").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

Category = Literal["EEA", "non-EEA", "non-EEA living in Belgium with a valid residence permit"]

EEA: Final = "EEA"
NON_EEA: Final = "non-EEA"
NON_EEA_RESIDENT: Final = "non-EEA living in Belgium with a valid residence permit"


@dataclass(frozen=True)
class Country:
    """One state: how answers name it, and whether its citizens count as EEA applicants."""

    name: str  # English, with the article where English uses one: "the Netherlands"
    dutch_name: str
    eea: bool
    un_member: bool

    @property
    def short_name(self) -> str:
        return self.name.removeprefix("the ")


# The European Economic Area: the 27 member states of the European Union plus Iceland,
# Liechtenstein and Norway. Switzerland is in EFTA but not in the EEA (it rejected the EEA
# agreement in 1992), and the United Kingdom left the EU and the EEA in 2020, so citizens of
# both count as non-EEA applicants.
EU_MEMBERS = frozenset(
    {
        "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
        "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
        "Latvia", "Lithuania", "Luxembourg", "Malta", "the Netherlands", "Poland", "Portugal",
        "Romania", "Slovakia", "Slovenia", "Spain", "Sweden",
    }
)  # fmt: skip
EEA_MEMBERS = EU_MEMBERS | {"Iceland", "Liechtenstein", "Norway"}

# name | English aliases | English demonyms | Dutch names | Dutch demonyms; an indented line
# continues the row above.
# The first Dutch name is the one Dutch answers use. Dutch adjectives ending in -s or -sch also
# match their inflected form ("Duits" -> "Duitse", "Belgisch" -> "Belgische").
# Every one of the 193 member states of the United Nations, alphabetically.
_UN_MEMBERS = """
Afghanistan | | Afghan | Afghanistan | Afghaans
Albania | | Albanian | Albanië | Albanees
Algeria | | Algerian | Algerije | Algerijns
Andorra | | Andorran | Andorra | Andorrees
Angola | | Angolan | Angola | Angolees
Antigua and Barbuda | Antigua | Antiguan; Barbudan | Antigua en Barbuda |
Argentina | | Argentine; Argentinian; Argentinean | Argentinië | Argentijns
Armenia | | Armenian | Armenië | Armeens
Australia | | Australian; Aussie | Australië | Australisch
Austria | | Austrian | Oostenrijk | Oostenrijks; Oostenrijker
Azerbaijan | | Azerbaijani; Azeri | Azerbeidzjan | Azerbeidzjaans
the Bahamas | | Bahamian | Bahama's | Bahamaans
Bahrain | | Bahraini | Bahrein | Bahreins
Bangladesh | | Bangladeshi | Bangladesh | Bengalees
Barbados | | Barbadian; Bajan | Barbados | Barbadiaans
Belarus | Byelorussia | Belarusian; Belarusan; Byelorussian | Belarus; Wit-Rusland
    | Wit-Russisch; Belarussisch
Belgium | | Belgian; Flemish; Walloon | België | Belgisch; Belg; Vlaams; Vlaming; Waals
Belize | | Belizean | Belize | Belizaans
Benin | | Beninese | Benin | Benins
Bhutan | | Bhutanese | Bhutan | Bhutaans
Bolivia | | Bolivian | Bolivia | Boliviaans
Bosnia and Herzegovina | Bosnia; Bosnia-Herzegovina | Bosnian; Herzegovinian
    | Bosnië en Herzegovina; Bosnië | Bosnisch
Botswana | | Motswana; Batswana; Botswanan | Botswana | Botswaans
Brazil | | Brazilian | Brazilië | Braziliaans
Brunei | Brunei Darussalam | Bruneian | Brunei | Bruneis
Bulgaria | | Bulgarian | Bulgarije | Bulgaars
Burkina Faso | | Burkinabe; Burkinabè | Burkina Faso | Burkinees
Burundi | | Burundian | Burundi | Burundees
Cabo Verde | Cape Verde | Cape Verdean; Cabo Verdean | Kaapverdië | Kaapverdisch
Cambodia | | Cambodian | Cambodja | Cambodjaans
Cameroon | | Cameroonian | Kameroen | Kameroens
Canada | | Canadian | Canada | Canadees
the Central African Republic | | Central African | Centraal-Afrikaanse Republiek
    | Centraal-Afrikaans
Chad | | Chadian | Tsjaad | Tsjadisch
Chile | | Chilean | Chili | Chileens
China | People's Republic of China; PRC; Mainland China | Chinese | China | Chinees
Colombia | | Colombian | Colombia | Colombiaans
the Comoros | Comoros | Comoran; Comorian | Comoren | Comorees
the Republic of the Congo | Congo; Congo-Brazzaville; Congo Brazzaville; Republic of Congo
    | | Congo-Brazzaville; Republiek Congo |
the Democratic Republic of the Congo
    | DR Congo; DRC; D.R. Congo; Congo-Kinshasa; Congo Kinshasa; Democratic Republic of Congo
    | Congolese | Democratische Republiek Congo; DR Congo; Congo-Kinshasa | Congolees
Costa Rica | | Costa Rican | Costa Rica | Costa Ricaans
Côte d'Ivoire | Ivory Coast; Cote d'Ivoire | Ivorian | Ivoorkust | Ivoriaans
Croatia | | Croatian; Croat | Kroatië | Kroatisch; Kroaat
Cuba | | Cuban | Cuba | Cubaans
Cyprus | | Cypriot | Cyprus | Cypriotisch
Czechia | Czech Republic | Czech | Tsjechië | Tsjechisch; Tsjech
Denmark | | Danish; Dane | Denemarken | Deens
Djibouti | | Djiboutian | Djibouti | Djiboutiaans
Dominica | Commonwealth of Dominica | | Dominica |
the Dominican Republic | | Dominican | Dominicaanse Republiek | Dominicaans
Ecuador | | Ecuadorian; Ecuadorean | Ecuador | Ecuadoraans
Egypt | | Egyptian | Egypte | Egyptisch; Egyptenaar
El Salvador | | Salvadoran; Salvadorian | El Salvador | Salvadoraans
Equatorial Guinea | | Equatorial Guinean; Equatoguinean | Equatoriaal-Guinea | Equatoriaal-Guinees
Eritrea | | Eritrean | Eritrea | Eritrees
Estonia | | Estonian | Estland | Estisch; Estlands
Eswatini | Swaziland | Swazi; Emaswati | Eswatini; Swaziland | Swazisch
Ethiopia | | Ethiopian | Ethiopië | Ethiopisch
Fiji | | Fijian | Fiji | Fijisch
Finland | | Finnish | Finland | Fins
France | | French; Frenchman; Frenchwoman | Frankrijk | Frans; Fransman
Gabon | | Gabonese | Gabon | Gabonees
the Gambia | Gambia | Gambian | Gambia | Gambiaans
Georgia | | Georgian | Georgië | Georgisch
Germany | | German | Duitsland | Duits; Duitser
Ghana | | Ghanaian | Ghana | Ghanees
Greece | | Greek | Griekenland | Grieks
Grenada | | Grenadian | Grenada | Grenadiaans
Guatemala | | Guatemalan | Guatemala | Guatemalteeks
Guinea | Guinea-Conakry | Guinean | Guinee | Guinees
Guinea-Bissau | Guinea Bissau | Bissau-Guinean | Guinee-Bissau | Guinee-Bissaus
Guyana | | Guyanese | Guyana | Guyaans
Haiti | | Haitian | Haïti | Haïtiaans
Honduras | | Honduran | Honduras | Hondurees
Hungary | | Hungarian | Hongarije | Hongaars
Iceland | | Icelandic; Icelander | IJsland | IJslands; IJslander
India | | Indian | India | Indiaas; Indiër
Indonesia | | Indonesian | Indonesië | Indonesisch
Iran | Islamic Republic of Iran; Persia | Iranian; Persian | Iran | Iraans
Iraq | | Iraqi | Irak | Iraaks
Ireland | Republic of Ireland; Eire | Irish; Irishman; Irishwoman | Ierland | Iers
Israel | | Israeli | Israël | Israëlisch
Italy | | Italian | Italië | Italiaans
Jamaica | | Jamaican | Jamaica | Jamaicaans
Japan | | Japanese | Japan | Japans
Jordan | | Jordanian | Jordanië | Jordaans
Kazakhstan | | Kazakh; Kazakhstani | Kazachstan | Kazachs
Kenya | | Kenyan | Kenia | Keniaans
Kiribati | | I-Kiribati | Kiribati | Kiribatisch
Kuwait | | Kuwaiti | Koeweit | Koeweits
Kyrgyzstan | Kyrgyz Republic | Kyrgyz; Kyrgyzstani | Kirgizië | Kirgizisch
Laos | Lao PDR; Lao People's Democratic Republic | Lao; Laotian | Laos | Laotiaans
Latvia | | Latvian | Letland | Lets
Lebanon | | Lebanese | Libanon | Libanees
Lesotho | | Basotho; Mosotho | Lesotho | Lesothaans
Liberia | | Liberian | Liberia | Liberiaans
Libya | | Libyan | Libië | Libisch
Liechtenstein | | Liechtensteiner; Liechtensteinian | Liechtenstein | Liechtensteins
Lithuania | | Lithuanian | Litouwen | Litouws
Luxembourg | | Luxembourgish; Luxembourger | Luxemburg | Luxemburgs; Luxemburger
Madagascar | | Malagasy | Madagaskar | Malagassisch
Malawi | | Malawian | Malawi | Malawisch
Malaysia | | Malaysian | Maleisië | Maleisisch
the Maldives | Maldives | Maldivian | Maldiven | Maldivisch
Mali | | Malian | Mali | Malinees
Malta | | Maltese | Malta | Maltees
the Marshall Islands | Marshall Islands | Marshallese | Marshalleilanden | Marshallees
Mauritania | | Mauritanian | Mauritanië | Mauritaans
Mauritius | | Mauritian | Mauritius | Mauritiaans
Mexico | | Mexican | Mexico | Mexicaans
Micronesia | Federated States of Micronesia | Micronesian | Micronesia | Micronesisch
Moldova | Republic of Moldova | Moldovan | Moldavië | Moldavisch
Monaco | | Monegasque; Monacan | Monaco | Monegaskisch
Mongolia | | Mongolian | Mongolië | Mongools
Montenegro | | Montenegrin | Montenegro | Montenegrijns
Morocco | | Moroccan | Marokko | Marokkaans; Marokkaan
Mozambique | | Mozambican | Mozambique | Mozambikaans
Myanmar | Burma | Burmese; Myanmarese | Myanmar | Myanmarees; Birmees
Namibia | | Namibian | Namibië | Namibisch
Nauru | | Nauruan | Nauru | Nauruaans
Nepal | | Nepali; Nepalese | Nepal | Nepalees
the Netherlands | Netherlands; Holland | Dutch; Netherlander; Dutchman; Dutchwoman
    | Nederland; Holland | Nederlands; Nederlander; Hollands; Hollander
New Zealand | | New Zealander | Nieuw-Zeeland | Nieuw-Zeelands
Nicaragua | | Nicaraguan | Nicaragua | Nicaraguaans
Niger | | Nigerien | Niger | Nigerees
Nigeria | | Nigerian | Nigeria | Nigeriaans
North Korea | Democratic People's Republic of Korea; DPRK | North Korean | Noord-Korea
    | Noord-Koreaans
North Macedonia | Macedonia; Republic of North Macedonia | Macedonian; North Macedonian
    | Noord-Macedonië; Macedonië | Noord-Macedonisch; Macedonisch
Norway | | Norwegian | Noorwegen | Noors; Noor
Oman | | Omani | Oman | Omaans
Pakistan | | Pakistani | Pakistan | Pakistaans
Palau | | Palauan | Palau | Palaus
Panama | | Panamanian | Panama | Panamees
Papua New Guinea | | Papua New Guinean | Papoea-Nieuw-Guinea | Papoea-Nieuw-Guinees
Paraguay | | Paraguayan | Paraguay | Paraguayaans
Peru | | Peruvian | Peru | Peruaans
the Philippines | Philippines | Filipino; Filipina; Philippine | Filipijnen | Filipijns
Poland | | Polish; Pole | Polen | Pools
Portugal | | Portuguese | Portugal | Portugees
Qatar | | Qatari | Qatar | Qatarees
Romania | | Romanian | Roemenië | Roemeens
Russia | Russian Federation | Russian | Rusland | Russisch; Rus
Rwanda | | Rwandan; Rwandese | Rwanda | Rwandees
Saint Kitts and Nevis | St Kitts and Nevis; St. Kitts and Nevis; Saint Kitts | Kittitian; Nevisian
    | Saint Kitts en Nevis |
Saint Lucia | St Lucia; St. Lucia | Saint Lucian; St Lucian | Saint Lucia |
Saint Vincent and the Grenadines
    | St Vincent and the Grenadines; St. Vincent and the Grenadines; Saint Vincent | Vincentian
    | Saint Vincent en de Grenadines |
Samoa | | Samoan | Samoa | Samoaans
San Marino | | Sammarinese | San Marino | San Marinees
São Tomé and Príncipe | Sao Tome and Principe; Sao Tome | Santomean | Sao Tomé en Principe |
Saudi Arabia | | Saudi; Saudi Arabian | Saoedi-Arabië | Saoedisch; Saoedi-Arabisch
Senegal | | Senegalese | Senegal | Senegalees
Serbia | | Serbian; Serb | Servië | Servisch; Serviër
Seychelles | the Seychelles | Seychellois | Seychellen | Seychels
Sierra Leone | | Sierra Leonean | Sierra Leone | Sierra Leoons
Singapore | | Singaporean | Singapore | Singaporees
Slovakia | Slovak Republic | Slovak; Slovakian | Slowakije | Slowaaks
Slovenia | | Slovenian; Slovene | Slovenië | Sloveens
the Solomon Islands | Solomon Islands | Solomon Islander | Salomonseilanden |
Somalia | | Somali; Somalian | Somalië | Somalisch
South Africa | | South African | Zuid-Afrika | Zuid-Afrikaans
South Korea | Republic of Korea; Korea | South Korean; Korean | Zuid-Korea; Korea
    | Zuid-Koreaans; Koreaans
South Sudan | | South Sudanese | Zuid-Soedan | Zuid-Soedanees
Spain | | Spanish; Spaniard | Spanje | Spaans
Sri Lanka | | Sri Lankan | Sri Lanka | Sri Lankaans
Sudan | the Sudan | Sudanese | Soedan | Soedanees
Suriname | Surinam | Surinamese | Suriname | Surinaams; Surinamer
Sweden | | Swedish; Swede | Zweden | Zweeds
Switzerland | | Swiss | Zwitserland | Zwitsers
Syria | Syrian Arab Republic | Syrian | Syrië | Syrisch
Tajikistan | | Tajik; Tajikistani | Tadzjikistan | Tadzjieks
Tanzania | United Republic of Tanzania | Tanzanian | Tanzania | Tanzaniaans
Thailand | | Thai | Thailand | Thais
Timor-Leste | East Timor | Timorese | Oost-Timor | Oost-Timorees
Togo | | Togolese | Togo | Togolees
Tonga | | Tongan | Tonga | Tongaans
Trinidad and Tobago | Trinidad | Trinidadian; Tobagonian | Trinidad en Tobago | Trinidadiaans
Tunisia | | Tunisian | Tunesië | Tunesisch
Türkiye | Turkey; Turkiye | Turkish; Turk | Turkije | Turks
Turkmenistan | | Turkmen; Turkmenistani | Turkmenistan | Turkmeens
Tuvalu | | Tuvaluan | Tuvalu | Tuvaluaans
Uganda | | Ugandan | Oeganda | Oegandees
Ukraine | | Ukrainian | Oekraïne | Oekraïens
the United Arab Emirates | United Arab Emirates; UAE; U.A.E.; Emirates | Emirati; Emirian
    | Verenigde Arabische Emiraten | Emiraats
the United Kingdom
    | United Kingdom; UK; U.K.; Great Britain; Britain; England; Scotland; Wales; Northern Ireland
    | British; English; Scottish; Welsh; Northern Irish; Brit; Briton; Scot; Englishman;
    Englishwoman
    | Verenigd Koninkrijk; Groot-Brittannië; Engeland; Schotland; Wales; Noord-Ierland
    | Brits; Schots; Welsh; Engelsman; Schot
the United States | United States; United States of America; USA; U.S.; U.S.A.; America | American
    | Verenigde Staten; Amerika | Amerikaans; Amerikaan
Uruguay | | Uruguayan | Uruguay | Uruguayaans
Uzbekistan | | Uzbek; Uzbekistani | Oezbekistan | Oezbeeks
Vanuatu | | Ni-Vanuatu; Vanuatuan | Vanuatu | Vanuatuaans
Venezuela | | Venezuelan | Venezuela | Venezolaans
Viet Nam | Vietnam | Vietnamese | Vietnam | Vietnamees
Yemen | | Yemeni | Jemen | Jemenitisch
Zambia | | Zambian | Zambia | Zambiaans
Zimbabwe | | Zimbabwean | Zimbabwe | Zimbabwaans
"""

# States and territories outside the UN that applicants still name; all of them non-EEA.
_OTHER_STATES = """
the Holy See | Vatican; Vatican City | Vatican | Vaticaanstad | Vaticaans
Kosovo | | Kosovar; Kosovan | Kosovo | Kosovaars
Palestine | State of Palestine; Palestinian Territories | Palestinian | Palestina | Palestijns
Taiwan | Republic of China | Taiwanese | Taiwan | Taiwanees
Hong Kong | | Hongkonger; Hong Konger | Hongkong | Hongkongs
Macao | Macau | Macanese | Macau |
"""

# Upper-case only, since the lower-case word is common ("tell us", Dutch "vs" for versus).
_CASE_SENSITIVE_ALIASES = {"US": "the United States", "VS": "the United States"}


def _fold(text: str) -> str:
    """Drop accents and unify apostrophes, so "België" matches "Belgie" and "I’m" "I'm"."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00b4", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _inflections(dutch_demonym: str) -> tuple[str, ...]:
    """A Dutch adjective and its inflected form: "Duits" -> "Duitse", "Indiaas" -> "Indiase"."""
    if dutch_demonym.endswith("sch"):
        return dutch_demonym, dutch_demonym + "e"
    if not dutch_demonym.endswith("s"):
        return (dutch_demonym,)  # a noun: "Belg", "Nederlander"
    if dutch_demonym.endswith(("aas", "ees")):
        return dutch_demonym, dutch_demonym[:-3] + dutch_demonym[-2] + "se"
    return dutch_demonym, dutch_demonym + "e"


_Kind = Literal["name", "demonym", "people"]  # "people": a plural noun, "Indians"


def _rows(table: str) -> Iterator[str]:
    row = ""
    for line in table.strip().splitlines():
        if line.startswith(" "):
            row += " " + line.strip()
            continue
        if row:
            yield row
        row = line
    if row:
        yield row


def _parse_table(table: str, un_member: bool) -> Iterator[tuple[Country, dict[str, _Kind]]]:
    for line in _rows(table):
        name, aliases, demonyms, dutch_names, dutch_demonyms = (
            cell.strip() for cell in line.split("|")
        )
        dutch = _split(dutch_names)
        country = Country(
            name=name,
            dutch_name=dutch[0] if dutch else name.removeprefix("the "),
            eea=name in EEA_MEMBERS,
            un_member=un_member,
        )
        words: dict[str, _Kind] = {}  # the first reading of a word wins: names before demonyms
        for word in [name.removeprefix("the "), *_split(aliases), *dutch]:
            words.setdefault(word, "name")
        for word in _split(demonyms):
            words.setdefault(word, "demonym")
            if word.endswith("man"):
                words.setdefault(word[:-3] + "men", "people")
            elif not word.endswith(("s", "sh", "ch", "ese")):
                words.setdefault(word + "s", "people")
        for word in _split(dutch_demonyms):
            for form in _inflections(word):
                words.setdefault(form, "demonym")
        yield country, words


def _build_lexicon() -> tuple[tuple[Country, ...], dict[str, tuple[Country, _Kind]]]:
    countries: list[Country] = []
    lexicon: dict[str, tuple[Country, _Kind]] = {}
    for table, un_member in ((_UN_MEMBERS, True), (_OTHER_STATES, False)):
        for country, words in _parse_table(table, un_member):
            countries.append(country)
            for word, kind in words.items():
                lexicon.setdefault(_fold(word).lower(), (country, kind))
    return tuple(countries), lexicon


COUNTRIES, _LEXICON = _build_lexicon()
_BY_NAME = {name: c for c in COUNTRIES for name in (c.name, c.short_name)}

# Words that name a group rather than a state.
_GROUP_EEA = ("eu/eea", "eea/eu", "eu/eer", "eer/eu", "eu", "eea", "eer", "e.u.", "e.e.a.")
_GROUP_EEA_NAMES = (
    "european union", "european economic area", "europese unie",
    "europese economische ruimte",
)  # fmt: skip
_GROUP_EUROPEAN = ("european", "europeans", "europeaan", "europeanen", "europees", "europese")
_GROUP_EUROPE = ("europe", "europa")


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation for many words, shared prefixes factored out so it matches fast."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(char) + pattern(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return pattern(trie)


_NON_EEA_PATTERN = r"""
    (?:non|niet|buiten|outside(?:\s+of)?|not)[\s-]*(?:the\s+|de\s+|het\s+)?
    (?:eu/eea|eea/eu|eu/eer|eer/eu|eu|eea|eer|e\.u\.|european\s+union|european\s+economic\s+area
       |europeans?|europe|europa|europese\s+unie|europese|europees|europeanen)
  | third[\s-]countr(?:y|ies)(?:\s+nationals?)?
  | derdelanders?
"""

_MENTION = re.compile(
    rf"""(?<![\w-])(?:
      (?P<non_eea>{_NON_EEA_PATTERN})
    | (?P<group>{_trie_pattern([*_GROUP_EEA, *_GROUP_EEA_NAMES, *_GROUP_EUROPEAN, *_GROUP_EUROPE])})
    | (?P<place>{_trie_pattern(_LEXICON)})
    | (?P<acronym>(?-i:{"|".join(_CASE_SENSITIVE_ALIASES)}))
    )(?![\w])""",
    re.IGNORECASE | re.VERBOSE,
)

_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|i'd|me|my|mine|we|our|ik|mijn|m'n|wij|ons|onze)\b")

# Cues read on the text just before a mention (lower case, ending where the mention starts).
_SELF = re.compile(
    r"""\b(?:i'm|im|i\s+am|ik\s+ben|ben\s+ik|as\s+an?|als|we're|we\s+are|wij\s+zijn|we\s+zijn)\s+
    (?P<neg>(?:not|niet|geen|no)\s+)?
    (?:(?:also|ook|originally|oorspronkelijk|a|an|een|half|both|fully|zowel)\s+)*
    (?:[\w-]+\s+(?:and|en|&)\s+)?$""",
    re.VERBOSE,
)
_NATIONALITY_LABEL = re.compile(
    r"\b(?:nationality|citizenship|nationaliteit)\s*(?:is\s+|:\s*|-\s*|=\s*)?$"
)
_FROM = re.compile(r"\b(?:from|uit|afkomstig\s+van)\s+(?:the\s+|de\s+|het\s+)?$")
_CITIZEN_OF = re.compile(
    r"""\b(?:citizens?|citizenship|nationals?|nationality|passports?|staatsburgers?|burgers?
    |onderdaan|onderdanen|nationaliteit|paspoort)\s+(?:of|van|from|uit)\s+(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
_FOR = re.compile(r"\b(?:for|voor)\s+(?:the\s+|de\s+|het\s+)?$")
_LIVE_IN = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
    |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
    \s+(?:[\w']+\s+){0,3}?(?:in|te|of)\s+(?:the\s+|de\s+|het\s+)?$""",
    re.VERBOSE,
)
_STUDIED_IN = re.compile(
    r"""\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde|afgestudeerd)
    \s+(?:[\w']+\s+){0,2}?(?:in|at|aan|te|from)\s+(?:the\s+|de\s+|het\s+|a\s+|an\s+)?$""",
    re.VERBOSE,
)
_DEGREE_BEFORE_FROM = re.compile(
    r"""\b(?:degrees?|diplomas?|bachelor'?s?|master'?s?|studies|graduated|qualifications?
    |education|university|universiteit|getuigschrift|opleiding|afgestudeerd|gestudeerd)
    \s+(?:[\w']+\s+){0,3}$""",
    re.VERBOSE,
)
_NOT_PREFIX = re.compile(r"\b(?:non|niet)[\s-]*$")
_NEGATED = re.compile(
    r"""(?:\bnot|n't|\bno|\bgeen|\bniet|\bnever|\bnooit)\s+
    (?:(?:a|an|the|een|de|het|from|uit|van|of|part|deel|have|has|hold|own|possess|heb|hebt
       |heeft|bezit|citizen|citizens|burger)\s+)*$""",
    re.VERBOSE,
)
_LOCATION = re.compile(r"\b(?:in|within|across|throughout|inside|binnen)\s+(?:the\s+|de\s+)?$")
_LIVING_OUTSIDE = re.compile(
    r"""\b(?:live|lives|living|lived|reside|resides|residing|based|wonen|woon|woont)
    \s+(?:[\w']+\s+){0,2}?$""",
    re.VERBOSE,
)
_STUDIED_OUTSIDE = re.compile(
    r"\b(?:studied|study|studying|graduated|gestudeerd|studeer|studeerde)\s+(?:[\w']+\s+){0,2}?$"
)

# Cues read on the text just after a mention.
_PERSON_NOUN = re.compile(
    r"""^(?:[\s-]+(?:and|en|or|&|/)\s+[\w-]+)?[\s-]+
    (?:(?:postgraduate|postgraduaat|graduate|undergraduate|master'?s?|bachelor'?s?|phd|doctoral
       |exchange|prospective|international|full-time|part-time|new|future|young|adult)[\s-]+)?
    (?P<noun>citizens?|citizenship|nationals?|nationality|passports?|passport-holders?|id
      |identity|staatsburgers?|burgers?|onderdaan|onderdanen|nationaliteit|paspoort
      |identiteitskaart|students?|studente|studenten|applicants?|candidates?|kandidaat|kandidaten
      |aanvragers?|person|persoon|people|guy|girl|woman|women|man|men)\b""",
    re.VERBOSE,
)
_CITIZEN_NOUNS = frozenset(
    {
        "citizen", "citizens", "citizenship", "national", "nationals", "nationality",
        "passport", "passports", "passport-holder", "passport-holders", "id", "identity",
        "staatsburger", "staatsburgers", "burger", "burgers", "onderdaan", "onderdanen",
        "nationaliteit", "paspoort", "identiteitskaart",
    }
)  # fmt: skip
# "Indian here", "Dutch student here"
_HERE = re.compile(r"^(?:[\s-]+(?:student|applicant))?\s+here\b")
_LANGUAGE_USE = re.compile(
    r"""^[\s-]*(?:speak\w*|sprek\w*|talig\w*|taught|language|languages|taal|medium|proficiency
    |course|courses|class|classes|lesson\w*|les|lessen|cursus\w*|version|translation|text
    |question|answer|tests?|level|skills?|words?|resident|residents|residence|residency)\b""",
    re.VERBOSE,
)
_DEGREE_AFTER = re.compile(
    r"""^[\s-]+(?:[\w'-]+[\s-]+)?(?:degree|diploma|bachelor'?s?|master'?s?|university
    |qualification|getuigschrift|universiteit)\b""",
    re.VERBOSE,
)

_BELGIAN_PLACES = r"""(?:belgium|belgie|belgique|leuven|louvain|heverlee|kessel-lo|wilsele
    |brussels|brussel|bruxelles|antwerp|antwerpen|ghent|gent|bruges|brugge|liege|luik|namur
    |namen|hasselt|mechelen|kortrijk|ostend|oostende|charleroi|genk|aalst|tienen|diest)"""
_RESIDENCE = re.compile(
    rf"""\b(?:live|lives|living|lived|reside|resides|residing|resident|based|settled|staying
       |wonen|woon|woont|woonachtig|verblijf|verblijft|verblijven|gevestigd)
       \s+(?:[\w']+\s+){{0,3}}?(?:in|te|of)\s+{_BELGIAN_PLACES}\b
    | \b(?:residen(?:ce|cy|t)|resident's)[\s-]+(?:permit|card|status|visa)s?\b
    | \bpermit\s+of\s+(?:residence|stay)\b
    | \bbelgian\s+(?:residence|residency|resident|residents|permit|id\s+card)\b
    | \bverblijfs(?:vergunning|kaart|titel|document|recht)\w*
    | \bin\s+belgie\s+(?:wonen|woon|woont|gevestigd|verblijven)\b""",
    re.VERBOSE | re.IGNORECASE,
)
_FLEMISH_UNIVERSITIES = r"""(?:flanders|vlaanderen|ku\s*leuven|kul|leuven|ugent|ghent\s+university
    |universiteit\s+gent|gent|ghent|vub|vrije\s+universiteit\s+brussel|uantwerpen|antwerp
    |universiteit\s+antwerpen|university\s+of\s+antwerp|antwerpen|uhasselt|hasselt\s+university
    |universiteit\s+hasselt|hasselt)"""
_FLEMISH_DEGREE = re.compile(
    rf"""\bflemish\s+(?:[\w']+\s+)?(?:degree|diploma|bachelor|master|qualification|university
       |universities|institution|school)
    | \bvlaamse?\s+(?:[\w']+\s+)?(?:diploma|bachelor|master|universiteit|hogeschool|onderwijs
       |getuigschrift|instelling)
    | \b(?:studied|studying|graduated|gestudeerd|studeerde|afgestudeerd)\s+(?:[\w']+\s+){{0,2}}?
       (?:in|at|aan|from|te)\s+(?:the\s+|de\s+)?{_FLEMISH_UNIVERSITIES}\b
    | \b(?:degree|diploma|bachelor'?s?|master'?s?)\s+(?:[\w']+\s+)?(?:from|at|of|van|aan)\s+
       (?:the\s+|de\s+)?{_FLEMISH_UNIVERSITIES}\b
    | \b(?:in|aan)\s+(?:de\s+)?{_FLEMISH_UNIVERSITIES}\s+(?:gestudeerd|afgestudeerd)""",
    re.VERBOSE | re.IGNORECASE,
)
_FOREIGN_DEGREE = re.compile(
    r"""\binternational\s+(?:students?|applicants?)\b
    | \binternationale\s+(?:student\w*|kandida\w*)
    | \bforeign\s+(?:students?|applicants?|degrees?|diplomas?|qualifications?)\b
    | \bbuitenlandse?\s+(?:student\w*|diploma\w*|getuigschrift\w*)""",
    re.VERBOSE | re.IGNORECASE,
)
_PERSON_BEFORE = re.compile(
    r"""\b(?:students?|studenten|applicants?|citizens?|nationals?|people|kandidaten|aanvragers?
    |burgers?)\s+(?:from\s+|van\s+|uit\s+)?$""",
    re.VERBOSE,
)
_ASKS_ABOUT = re.compile(
    r"""\b(?:need|needs|require|requires|required|apply\s+for|applying\s+for|get|obtain|request
    |nodig|aanvragen|vereist|krijgen|krijg|verkrijgen|hoe)\b""",
    re.VERBOSE,
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]|\b(?:but|and|maar|en|though|although|while)\b")
_CLAUSE_NEGATION = re.compile(
    r"\b(?:not|no|without|never|niet|geen|zonder|nooit)\b|n't\b"
)  # fmt: skip

_WINDOW = 60  # characters of context read on either side of a mention


@dataclass(frozen=True)
class ApplicantSituation:
    """What a question tells about the person asking, in the documents' own categories.

    ``eea`` is None when the citizenship is unknown; ``flemish_degree`` is None when the
    question says nothing about where the previous degree comes from.
    """

    country: str | None  # English short name: "India", "Netherlands", "United States"
    eea: bool | None
    resident_in_belgium: bool
    flemish_degree: bool | None

    @property
    def category(self) -> Category | None:
        """The deadline and fee category; an EEA citizen living in Belgium is still "EEA"."""
        if self.eea is None:
            return None
        if self.eea:
            return EEA
        return NON_EEA_RESIDENT if self.resident_in_belgium else NON_EEA

    def describe(self, language: str = "en") -> str:
        """A short clause naming the category, for an answer to open with; "" when unknown."""
        dutch = language == "nl"
        if self.eea is None:
            return _describe_degree(self.flemish_degree, dutch)
        country = _BY_NAME.get(self.country) if self.country else None
        resident = not self.eea and self.resident_in_belgium
        if dutch:
            if country is not None:
                subject = f"Als staatsburger van {country.dutch_name}"
            else:
                subject = "Als EU/EER-burger" if self.eea else "Als niet-EER-burger"
            if resident:
                return (
                    f"{subject} met een Belgische verblijfsvergunning val je onder de "
                    "niet-EER-kandidaten met een geldige verblijfsvergunning"
                )
            group = "EER-kandidaten" if self.eea else "niet-EER-kandidaten"
            return f"{subject} val je onder de {group}"
        if country is not None:
            subject = f"As a citizen of {country.name}"
        else:
            subject = "As an EU/EEA citizen" if self.eea else "As a non-EEA citizen"
        if resident:
            return (
                f"{subject} living in Belgium with a residence permit, you count as a non-EEA "
                "applicant with a valid residence permit"
            )
        group = "an EEA applicant" if self.eea else "a non-EEA applicant"
        return f"{subject}, you count as {group}"


def _describe_degree(flemish_degree: bool | None, dutch: bool) -> str:
    if flemish_degree is None:
        return ""
    if dutch:
        if flemish_degree:
            return (
                "Met een Vlaams diploma volg je de toelatingsprocedure voor studenten met een "
                "Vlaams diploma"
            )
        return "Zonder Vlaams diploma volg je de toelatingsprocedure voor internationale studenten"
    if flemish_degree:
        return (
            "With a Flemish degree, you follow the admission procedure for students with a "
            "Flemish degree"
        )
    return "Without a Flemish degree, you follow the admission procedure for international students"


@dataclass(frozen=True)
class _Claim:
    eea: bool
    country: Country | None
    strength: int  # 2: the person says it of themselves; 1: a group the question is about


@dataclass
class _Findings:
    claims: list[_Claim]
    residence: list[bool]
    degree_explicit: list[bool]
    degree_implied: list[bool]


def detect_situation(text: str) -> ApplicantSituation | None:
    """Read citizenship, residence and degree from a question; None when it says nothing."""
    folded = _fold(text)
    lower = folded.lower()
    found = _Findings(claims=[], residence=[], degree_explicit=[], degree_implied=[])
    for match in _MENTION.finditer(folded):
        _read_mention(match, lower, found)
    for match in _RESIDENCE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.residence.append(not _clause_negated(lower, match.start()))
    for match in _FLEMISH_DEGREE.finditer(lower):
        if not _asks_about(lower, match.start()):
            found.degree_explicit.append(not _clause_negated(lower, match.start()))
    for _match in _FOREIGN_DEGREE.finditer(lower):
        found.degree_implied.append(False)

    eea, country = _resolve_citizenship(found.claims)
    resident = bool(found.residence) and all(found.residence)
    flemish: bool | None = None
    if found.degree_explicit:
        flemish = all(found.degree_explicit)
    elif found.degree_implied:
        flemish = False
    if eea is None and not found.residence and flemish is None:
        return None
    return ApplicantSituation(
        country=country.short_name if country else None,
        eea=eea,
        resident_in_belgium=resident,
        flemish_degree=flemish,
    )


def category_terms(situation: ApplicantSituation | None) -> tuple[str, ...]:
    """The documents' phrases for the situation, so the answer can pick matching sentences."""
    if situation is None:
        return ()
    terms: list[str] = []
    category = situation.category
    if category == EEA:
        terms.append("EEA")
    elif category is not None:
        terms.append("non-EEA")
        if category == NON_EEA_RESIDENT:
            terms.append("residence permit")
    if situation.flemish_degree is True:
        terms.append("Flemish Degree")
    elif situation.flemish_degree is False:
        terms.append("international students")
    return tuple(terms)


def _read_mention(match: re.Match[str], lower: str, found: _Findings) -> None:
    start, end = match.span()
    prefix = lower[max(0, start - _WINDOW) : start]
    suffix = lower[end : end + _WINDOW]
    word = lower[start:end]
    if match.group("non_eea") is not None:
        _read_group(word, prefix, suffix, False, found)
    elif match.group("group") is not None:
        _read_group_word(word, prefix, suffix, found)
    else:
        if match.group("place") is not None:
            country, kind = _LEXICON[word]
        else:
            country, kind = _BY_NAME[_CASE_SENSITIVE_ALIASES[match.group()]], "name"
        if kind == "name":
            _read_country_name(country, prefix, suffix, found)
        else:
            _read_demonym(country, kind == "people", prefix, suffix, found)


def _read_group_word(word: str, prefix: str, suffix: str, found: _Findings) -> None:
    if word in _GROUP_EUROPE:
        if _FROM.search(prefix) or _CITIZEN_OF.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    if word in _GROUP_EUROPEAN:
        if _LANGUAGE_USE.match(suffix):
            return
        if _PERSON_NOUN.match(suffix) or _SELF.search(prefix) or _NATIONALITY_LABEL.search(prefix):
            _read_group(word, prefix, suffix, True, found)
        return
    _read_group(word, prefix, suffix, True, found)


def _read_group(word: str, prefix: str, suffix: str, eea: bool, found: _Findings) -> None:
    """A group word: EU, EEA, European, non-EEA, outside the EU, and their Dutch forms."""
    person = _PERSON_NOUN.match(suffix)
    if person is None and _LOCATION.search(prefix):
        return  # "recognised in the EU"
    from_cue = _FROM.search(prefix) is not None
    self_cue = _SELF.search(prefix) is not None or _NATIONALITY_LABEL.search(prefix) is not None
    if word.startswith(("outside", "buiten")):
        if _LIVING_OUTSIDE.search(prefix):
            found.residence.append(False)
            return
        if _STUDIED_OUTSIDE.search(prefix):
            found.degree_implied.append(False)
            return
        if not (person or from_cue or self_cue or _PERSON_BEFORE.search(prefix)):
            return  # "recognised outside the EU" is about a diploma, not a person
    if _NEGATED.search(prefix):
        eea = not eea
    citizen = person is not None and person.group("noun") in _CITIZEN_NOUNS
    about_self = _speaks_of_self(prefix) and (from_cue or self_cue or citizen)
    found.claims.append(_Claim(eea=eea, country=None, strength=2 if about_self else 1))


def _read_demonym(
    country: Country, plural: bool, prefix: str, suffix: str, found: _Findings
) -> None:
    """A nationality adjective or noun: "Indian", "Dutch", "Belg", "Duitse", "Norwegians"."""
    if _NOT_PREFIX.search(prefix) or _LANGUAGE_USE.match(suffix):
        return
    self_cue = _SELF.search(prefix)
    if self_cue is not None:
        if self_cue.group("neg") is None:
            found.claims.append(_Claim(country.eea, country, 2))
        return
    if _NATIONALITY_LABEL.search(prefix) or _HERE.match(suffix):
        found.claims.append(_Claim(country.eea, country, 2))
        return
    person = _PERSON_NOUN.match(suffix)
    if person is not None:
        if not _NEGATED.search(prefix):
            citizen = person.group("noun") in _CITIZEN_NOUNS
            strength = 2 if citizen and _speaks_of_self(prefix) else 1
            found.claims.append(_Claim(country.eea, country, strength))
        return
    if plural and _FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))
    elif _DEGREE_AFTER.match(suffix) and country.name != "Belgium":
        found.degree_implied.append(False)


def _read_country_name(country: Country, prefix: str, suffix: str, found: _Findings) -> None:
    """A state's name: "from India", "citizen of Norway", "live in Belgium", "uit Marokko"."""
    if _NOT_PREFIX.search(prefix):
        return
    strength = 2 if _speaks_of_self(prefix) else 1
    if _LIVE_IN.search(prefix):
        if not _clause_negated(prefix, len(prefix)):
            found.residence.append(country.name == "Belgium")
        return
    if _STUDIED_IN.search(prefix):
        if country.name != "Belgium":
            found.degree_implied.append(False)
        return
    if _CITIZEN_OF.search(prefix):
        if not _NEGATED.search(prefix):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    from_cue = _FROM.search(prefix)
    if from_cue is not None:
        before = prefix[: from_cue.start()]
        if _DEGREE_BEFORE_FROM.search(before):
            if country.name != "Belgium":
                found.degree_implied.append(False)
        elif not _NEGATED.search(prefix) and not _clause_negated(before, len(before)):
            found.claims.append(_Claim(country.eea, country, strength))
        return
    person = _PERSON_NOUN.match(suffix)
    if person is not None and not _LANGUAGE_USE.match(suffix):
        citizen = person.group("noun") in _CITIZEN_NOUNS
        found.claims.append(_Claim(country.eea, country, strength if citizen else 1))
    elif _FOR.search(prefix):
        found.claims.append(_Claim(country.eea, country, 1))


def _last_clause(text: str) -> str:
    return _CLAUSE_BREAK.split(text[-_WINDOW:])[-1]


def _speaks_of_self(prefix: str) -> bool:
    """Whether the clause that leads up to a mention is in the first person."""
    return _FIRST_PERSON.search(_last_clause(prefix)) is not None


def _clause_negated(text: str, position: int) -> bool:
    """Whether a negation stands earlier in the same clause as ``position``."""
    return _CLAUSE_NEGATION.search(_last_clause(text[:position])) is not None


def _asks_about(text: str, position: int) -> bool:
    """Whether the clause asks about getting something ("do I need a residence permit")."""
    return _ASKS_ABOUT.search(_last_clause(text[:position])) is not None


def _resolve_citizenship(claims: list[_Claim]) -> tuple[bool | None, Country | None]:
    """The strongest claims win. Both EEA and non-EEA said of oneself is a dual citizenship,
    which counts as EEA; said of groups, it is a comparison and tells nothing about the person.
    """
    if not claims:
        return None, None
    strongest = max(claim.strength for claim in claims)
    top = [claim for claim in claims if claim.strength == strongest]
    values = {claim.eea for claim in top}
    if len(values) > 1 and strongest < 2:
        return None, None
    eea = True in values
    country = next((c.country for c in top if c.eea == eea and c.country is not None), None)
    return eea, country
