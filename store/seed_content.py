"""Demo content: the reference article of the site and the offers it sells."""

from datetime import UTC, datetime
from typing import Any

CATEGORIES = [{"slug": "actualites", "name": "Actualités"}]

PRODUCTS: list[dict[str, Any]] = [
    {
        "slug": "acces-gpt-4",
        "name": "Accès à GPT 4",
        "short_description": "Votre accès à GPT 4, sans engagement : résiliable à tout moment.",
        "description": (
            "Profitez de GPT 4 dès aujourd'hui pour 7 € par mois.\n\n"
            "L'abonnement se renouvelle chaque mois et se résilie en un clic depuis votre compte."
        ),
        "headline": "Accès à GPT 4 dès aujourd'hui pour 7€",
        "price_cents": 700,
        "billing": "month",
        "position": 1,
        # the offer of the home page banner (the back office can choose another)
        "featured": True,
        "grants_articles": True,
        "grants_access_key": True,
    },
    {
        "slug": "acces-gpt-4-annuel",
        "name": "Accès à GPT 4 — annuel",
        "short_description": "Douze mois d'accès à GPT 4 pour le prix de dix.",
        "description": (
            "L'accès à GPT 4 pour un an, payé une fois par an : deux mois offerts par rapport "
            "à l'abonnement mensuel."
        ),
        "headline": "",
        "price_cents": 7000,
        "billing": "year",
        "position": 2,
        "plan_of": "acces-gpt-4",
        "grants_articles": True,
        "grants_access_key": True,
    },
    {
        "slug": "guide-prompts-gpt-4",
        "name": "Guide pratique des prompts GPT 4",
        "short_description": "Un guide PDF pour tirer le meilleur de GPT 4, avec des exemples de prompts.",
        "description": (
            "Un achat unique : le guide en PDF, ses exemples commentés et ses mises à jour."
        ),
        "headline": "",
        "price_cents": 1900,
        "billing": "one_time",
        "position": 3,
        "grants_download": True,
    },
]

ARTICLE_BODY = """\
Depuis sa création en 2015, OpenAI, le pionnier de l’intelligence artificielle, a suscité l’attention et les critiques d’Elon Musk, cofondateur initial et désormais l’un de ses principaux détracteurs. Le différend récent entre les deux parties a atteint un niveau public lorsque Musk a entamé des poursuites en justice contre l’organisation. Décortiquons les tenants et aboutissants de ce différend et les implications pour l’avenir de l’intelligence artificielle.

## Dernières actus sur le conflit OpenAI – Elon Musk

En mars 2024, une simple blague d’Elon Musk sur les réseaux sociaux, laissait penser que ce conflit n’irait pas loin.

Suite aux développements récents, le différend entre OpenAI et Elon Musk aurait pris une tournure plus complexe. En effet, Musk, après avoir cofondé OpenAI en 2015, a quitté le conseil d’administration en 2018, citant un potentiel conflit d’intérêts a lancé en 2023, xAI. Cette nouvelle société ayant pour but, de concurrencer directement OpenAI. xAI a rapidement publié son chatbot Grok et rendu son code source accessible, affirmant ainsi une approche plus transparente que celle d’OpenAI.

Le différend a atteint un nouveau niveau en mars 2024, lorsque Musk a intenté une action en justice contre OpenAI, ainsi que contre les cofondateurs Sam Altman et Greg Brockman. Les allégations portaient sur le non-respect de l’engagement initial d’OpenAI en tant qu’organisation à but non lucratif œuvrant pour le bien de l’humanité. Musk reprochait également à OpenAI d’avoir commencé à publier des modèles avec un code source fermé et d’être devenue, selon ses termes, une « fille » de Microsoft, perdant ainsi son indépendance.

## L’élément déclencheur, les investissements financiers de Microsoft

Les débuts d’OpenAI étaient marqués par des aspirations nobles : œuvrer pour le bien de l’humanité en développant des programmes d’intelligence artificielle en open source. Cependant, la situation a évolué lorsque Microsoft a injecté des milliards de dollars dans l’entreprise, remettant en question sa nature à but non lucratif et ses objectifs initiaux. Elon Musk a exprimé son désaccord avec cette évolution, accusant OpenAI de trahir ses principes fondateurs.

Pourtant, selon les dirigeants d’OpenAI, Musk lui-même aurait envisagé des changements similaires. Des échanges de courriels montrent qu’il était ouvert à l’idée de transformer l’organisation pour lever davantage de fonds. Lorsque ses propositions ont été rejetées, il aurait même envisagé de créer une IA concurrente au sein de Tesla. Ainsi, le différend semble découler de divergences d’opinion sur la direction à prendre pour réaliser la mission d’OpenAI.

Dans l’un des mails internes divulgués, OpenAI suggère que Musk pourrait regretter sa décision de quitter l’entreprise. Cela soulève des questions sur les motivations sous-jacentes à l’action en justice de Musk et suggère des tensions plus profondes entre lui et les dirigeants actuels d’OpenAI. En réponse, OpenAI a accusé Musk d’hypocrisie, affirmant qu’il cherchait en réalité à prendre le contrôle du projet et à le lier étroitement à Tesla, ce que l’organisation aurait refusé.

## Pour l’heure, la technologie d’OpenAI reste accessible

Malgré les tensions, OpenAI continue de partager sa technologie gratuitement avec des pays et des organisations dans le monde entier. Cela comprend des initiatives telles que l’aide à l’Albanie pour accélérer son adhésion à l’Union européenne. Les cofondateurs insistent sur leur engagement envers la mission initiale de démocratisation de l’IA, même s’ils reconnaissent la nécessité de trouver des sources de financement viables pour soutenir leurs ambitions.

Cette escalade de conflit entre Musk et OpenAI met en lumière les enjeux de gouvernance, d’indépendance et de transparence dans le domaine de l’intelligence artificielle. On entrevoit à travers ces affrontements, les défis auxquels sont confrontées les organisations qui cherchent à développer une IA généralisée tout en naviguant dans un paysage financier complexe. Alors que les deux parties continuent de s’affronter sur la scène publique et judiciaire, l’avenir de l’IA et de son accessibilité à tous reste incertain.
"""

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "differend-openai-elon-musk-blague-proces",
        "title": (
            "Les dessous du différend entre OpenAI et Elon Musk : "
            "une blague et il abandonne le procès ?"
        ),
        "category": "actualites",
        "published_at": datetime(2024, 4, 2, 8, 0, tzinfo=UTC),
        "excerpt": (
            "Depuis sa création en 2015, OpenAI a suscité l’attention et les critiques d’Elon Musk, "
            "cofondateur initial et désormais l’un de ses principaux détracteurs. Décortiquons les "
            "tenants et aboutissants de ce différend."
        ),
        "body": ARTICLE_BODY,
        "offer": "acces-gpt-4",
    },
]
