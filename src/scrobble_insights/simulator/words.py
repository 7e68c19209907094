"""Word lists and name generators for synthetic artists, albums and tracks.

Names are plausible but made up. Artist names deliberately include the characters
that trip up real pipelines: '&', '/', apostrophes, diacritics, non-Latin scripts and
"The ..." prefixes.
"""

from __future__ import annotations

import random

ADJ = """Silver Velvet Electric Golden Hollow Crimson Paper Neon Quiet Wild Broken Midnight Lunar
Northern Pale Burning Glass Static Gentle Savage Lost Young Strange Blue Black White Red Violet
Amber Frozen Distant Secret Little Cosmic Iron Radio Summer Winter Endless Sunken Wandering Holy
Sleepy Lucky Atomic Plastic Bitter Sweet Modern Ancient Sacred Faded Restless Hidden Golden Green
Slow Heavy Bright Lonely Tender Hungry Copper Marble Dusty Western Southern Eastern""".split()

NOUNS = """Foxes Wolves Tigers Ghosts Rivers Machines Lanterns Satellites Sparrows Hearts Mirrors
Pilots Strangers Kings Daughters Sons Echoes Shadows Horses Islands Giants Thieves Oceans Waves
Dreamers Saints Ravens Owls Bees Crowns Comets Arrows Bones Lovers Monks Twins Tides Engines
Gardens Cowboys Sirens Wires Hounds Orchids Drifters Outlaws Planets Rockets""".split()

NOUN = """Harbor Lantern Mirror River Machine Signal Garden Ocean Forest Desert Circus Cathedral
Empire Orchard Highway Canyon Comet Meadow Horizon Island Valley Fire Thunder Satellite Parade
Hotel Motel Avenue Lake Tower Moon Sun Star Cloud Storm Rain Smoke Dust Glacier Lighthouse
Carousel Heart Night Morning Daylight Coast Mountain Bridge City Station Window Letter Ghost
Summer Winter Autumn Spring Gravity Paradise Velocity Silence Memory Echo Tide Wave Shadow""".split()

VERB = """Chasing Burning Dancing Running Falling Holding Leaving Waiting Breaking Finding Drive
Hold Follow Carry Save Forget Remember Call Stay Wake Turn Shine Fade Dream Light""".split()

FIRST = """Mara Jonah Elise Theo Ruby Caleb Nina Felix Ada Oscar Ivy Hugo Lena Milo Clara Jude
Stella Otis Maeve Arlo Iris Silas June Ezra Nora Leon Cleo Rufus Vera Gus Lou Ray Etta Hazel
Marcus Tessa Desmond Priya Kofi Yuki Dario Amara Ingrid Tomas Wren Bo Sunny Delia""".split()

LAST = """Holloway Whitford Calder Marsh Ashby Fenwick Larkin Devereaux Okafor Brennan Castillo
Moreau Lindqvist Novak Hartley Quinn Sato Kowalski Rivera Bishop Mercer Vance Thorne Wilde
Blackwood Sterling Hayes Crane Delaney Fairweather O'Connell O'Hara D'Angelo McAllister Mensah
Park Haddad Ferreira Jansen Abernathy""".split()

FIRST_DIACRITIC = """Ásta Björn Søren Zoë Łukasz Émilie Jürgen Renée Inés Sigrún Þórir Ólafur
Joël François Núria Håkon Agnès Dávid Maëlle Óscar""".split()

LAST_DIACRITIC = """Árnason Åberg Núñez Wróbel Côté Müller Sørensen Þórsdóttir Hjálmarsson Ferrán
Lefèvre Ødegaard Nyström Çelik Šimić Dvořák Ibáñez Jökulsdóttir""".split()

BANDS_DIACRITIC = ["Sól Vökur", "Hafið Rís", "Les Étoiles Noires", "Mañana Azul", "Café Ñandú",
                   "Ísbjörn", "Æther Løv", "Dröm Över Sjön", "Fjärran", "Rêverie Sauvage",
                   "Måneskin Lys", "Élan Vital", "Niño Dorado", "Öræfi", "Brûlé Brûlée"]

BANDS_NON_LATIN = ["Ночные Огни", "青い鳥", "Λευκή Νύχτα", "Белый Шум", "夜光虫", "밤하늘",
                   "Тихий Дом", "星の海"]

KEYS = ["C major", "D minor", "E-flat major", "F minor", "G major", "A minor", "B-flat major"]
FORMS = ["Allegro", "Adagio", "Andante", "Scherzo", "Presto", "Largo", "Rondo", "Menuetto"]
ROMAN = ["I", "II", "III", "IV", "V"]


def plural(noun: str) -> str:
    """English plural of a catalogue noun."""
    if noun.endswith("y"):
        return noun[:-1] + "ies"
    return noun + "es" if noun.endswith("s") else noun + "s"


def person(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"{rng.choice(FIRST_DIACRITIC)} {rng.choice(LAST_DIACRITIC)}"
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def artist_name(rng: random.Random, parent: str) -> str:
    """A synthetic artist name; the genre parent nudges the style."""
    roll = rng.random()
    a, n, ns = rng.choice(ADJ), rng.choice(NOUN), rng.choice(NOUNS)
    if parent == "classical":
        if roll < 0.6:
            return person(rng)
        if roll < 0.8:
            return f"The {n} String Quartet"
        return f"{rng.choice(['Orchestre', 'Ensemble'])} {rng.choice(LAST_DIACRITIC)}"
    if parent == "soundtrack" and roll < 0.7:
        return person(rng)
    if parent == "hip hop" and roll < 0.6:
        forms = [f"Lil {n}", f"MC {rng.choice(LAST)}", f"DJ {rng.choice(FIRST)}",
                 f"{a}{n} Gang", f"{rng.choice(FIRST)} {rng.choice(LAST)}", f"{n.upper()}"]
        return rng.choice(forms)
    if roll < 0.2:
        return f"The {a} {ns}"
    if roll < 0.34:
        return f"{a} {n}"
    if roll < 0.52:
        return person(rng)
    if roll < 0.59:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)} & The {ns}"
    if roll < 0.64:
        return f"{ns} & {rng.choice(NOUNS)}"
    if roll < 0.68:
        return f"{n.upper()}/{rng.choice(NOUN).upper()}"
    if roll < 0.73:
        return f"{rng.choice(FIRST)}'s {n}"
    if roll < 0.78:
        word = f"{a}{n.lower()}"
        return word.upper() if rng.random() < 0.5 else word
    if roll < 0.84:
        return rng.choice(BANDS_DIACRITIC) if rng.random() < 0.5 else person(rng)
    if roll < 0.86:
        return rng.choice(BANDS_NON_LATIN)
    if roll < 0.9:
        return f"{rng.choice(FIRST)} and the {a} {ns}"
    if roll < 0.95:
        return f"{a} {n} {rng.choice(['Club', 'Collective', 'Society', 'Band', 'Trio', 'Project'])}"
    return plural(n)


def album_name(rng: random.Random, parent: str) -> str:
    """A synthetic album title."""
    if parent == "classical":
        return rng.choice([f"Symphony No. {rng.randint(1, 9)} in {rng.choice(KEYS)}",
                           "Piano Sonatas", "Nocturnes", "String Quartets",
                           f"Concerto in {rng.choice(KEYS)}", "Preludes & Fugues"])
    a, n = rng.choice(ADJ), rng.choice(NOUN)
    forms = [f"{a} {n}", n, f"The {n} Sessions", f"Songs for the {a} {n}", f"Live at the {n}",
             f"{n} (Deluxe Edition)", f"{a} {n} (2011 Remaster)", f"{n} EP", f"{a} {plural(n)}",
             f"{rng.choice(VERB)} {n}", "Greatest Hits", f"Vol. {rng.randint(1, 4)}"]
    return rng.choice(forms)


def track_name(rng: random.Random, parent: str) -> str:
    """A synthetic track title."""
    if parent == "classical":
        return rng.choice([f"{rng.choice(ROMAN)}. {rng.choice(FORMS)}",
                           f"Nocturne in {rng.choice(KEYS)}",
                           f"Prelude No. {rng.randint(1, 24)}",
                           f"{rng.choice(ROMAN)}. {rng.choice(FORMS)} ma non troppo"])
    a, n, v = rng.choice(ADJ), rng.choice(NOUN), rng.choice(VERB)
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(["Intro", "Interlude", "Outro"])
    if roll < 0.12:
        return f"{a} {n} - Remastered {rng.randint(2001, 2019)}"
    if roll < 0.17:
        return f"{n} (feat. {rng.choice(FIRST)} {rng.choice(LAST)})"
    if roll < 0.21:
        return f"{n} - Live"
    if roll < 0.27:
        return f"Don't {rng.choice(['Stop', 'Look Back', 'Let Go', 'Wait Up', 'Forget'])}"
    if roll < 0.32:
        return f"I'm {a}"
    forms = [f"{a} {n}", n, f"The {n}", f"{v} the {n}", f"{n} Song", f"{v} {plural(n)}",
             f"{n}, {rng.choice(NOUN)}", f"{a} {n}"]
    return rng.choice(forms)
