"""The text of the demo "Guide pratique des prompts GPT 4" (in French), laid out by `demo_pdf`."""

TITLE = "Guide pratique des prompts GPT 4"
SUBTITLE = "Édition 2026"
SITE_NAME = "GPT Actu"

TAGLINE = (
    "Cinq méthodes simples pour obtenir de GPT-4 des réponses précises, utiles et "
    "réutilisables. Chaque méthode est illustrée par un prompt d’exemple à copier, puis à "
    "adapter à vos besoins."
)

INTRO_TITLE = "Avant de commencer"
INTRO = [
    "Un prompt est une consigne : plus elle est précise, plus la réponse de GPT-4 est utile. "
    "Le modèle ne connaît ni votre métier, ni votre public, ni l’usage que vous ferez de sa "
    "réponse. Tout ce qui n’est pas écrit dans le prompt, il doit le deviner.",
    "Les cinq méthodes de ce guide se combinent. Chacune est suivie d’un exemple de prompt : "
    "remplacez les passages entre crochets par vos propres informations.",
]

# Each section: its title, its paragraphs, and an example prompt ("\n" starts a new line).
SECTIONS = [
    (
        "1. Donner un rôle et un contexte",
        [
            "Commencez par dire à GPT-4 qui il doit être et pour qui il travaille. Un rôle "
            "(« tu es juriste », « tu es professeur de physique au lycée ») fixe le "
            "vocabulaire, le niveau de détail et le ton de la réponse.",
            "Ajoutez ensuite le contexte : la situation, le public visé, l’objectif et les "
            "contraintes (longueur, délai, budget, ce qui a déjà été essayé). Quelques phrases "
            "de contexte valent mieux qu’une liste d’adjectifs comme « clair », « pertinent » "
            "ou « détaillé ».",
        ],
        "Tu es chargé de communication pour une mairie de 8 000 habitants. Rédige un message "
        "pour la page Facebook de la commune annonçant la fermeture de la piscine du 3 au "
        "17 juillet pour travaux.\n"
        "Le public est large et souvent âgé : phrases courtes, ton chaleureux, pas de jargon. "
        "Indique une solution de remplacement : la piscine de la commune voisine, à 12 km.",
    ),
    (
        "2. Décrire le format attendu",
        [
            "GPT-4 respecte très bien un format quand on le décrit explicitement : liste à "
            "puces, tableau, plan en parties, courriel, JSON… Précisez aussi la longueur "
            "(« 150 mots au plus », « trois idées ») et la langue de la réponse.",
            "Si le résultat doit être repris dans un autre outil (tableur, site, code), donnez "
            "la structure exacte : noms des colonnes, champs obligatoires, ordre des rubriques. "
            "Vous n’aurez pas à le remettre en forme à la main.",
        ],
        "Compare les trois offres d’hébergement web ci-dessous pour une petite boutique en "
        "ligne.\n"
        "Présente le résultat sous forme de tableau, avec les colonnes : Offre | Prix mensuel | "
        "Stockage | Support | Point faible.\n"
        "Termine par une recommandation en deux phrases au plus.\n"
        "[coller ici la description des trois offres]",
    ),
    (
        "3. Donner des exemples",
        [
            "Un exemple vaut mieux qu’une longue explication. Pour obtenir un style, un niveau "
            "de langue ou une structure précise, montrez un ou deux cas réussis : GPT-4 en "
            "reproduit la forme. C’est ce qu’on appelle le « few-shot prompting ».",
            "Choisissez des exemples variés, pour que le modèle retienne la règle et non un "
            "détail, et séparez-les clairement de la consigne, avec des guillemets ou une ligne "
            "de tirets.",
        ],
        "Rédige des titres d’articles pour notre site d’actualité tech, dans le style des "
        "exemples.\n"
        "Exemple 1 : « Smartphones : pourquoi les prix vont encore grimper en 2026 »\n"
        "Exemple 2 : « Cinq réglages à changer sur votre box Internet dès aujourd’hui »\n"
        "Sujet : la batterie sodium-ion présentée par un constructeur chinois.\n"
        "Propose cinq titres de 70 caractères au plus.",
    ),
    (
        "4. Découper les tâches complexes",
        [
            "Une demande trop vaste (« écris-moi un business plan ») produit une réponse vague. "
            "Découpez le travail en étapes et traitez-les l’une après l’autre : d’abord le "
            "plan, puis chaque partie, enfin une relecture d’ensemble.",
            "Dans un même prompt, vous pouvez aussi numéroter les étapes et demander à GPT-4 "
            "de raisonner pas à pas avant de conclure. Les erreurs de calcul et de logique "
            "deviennent plus rares, et plus faciles à repérer.",
        ],
        "Je veux lancer une newsletter payante sur le jardinage urbain. Procède en trois "
        "étapes et attends ma validation entre chacune :\n"
        "1. Propose trois positionnements possibles, avec le public visé pour chacun.\n"
        "2. Pour le positionnement que je choisirai, propose le plan des quatre premiers "
        "numéros.\n"
        "3. Rédige ensuite le premier numéro (800 mots environ).",
    ),
    (
        "5. Vérifier et itérer",
        [
            "Ne prenez pas la première réponse pour définitive. GPT-4 peut se tromper avec "
            "assurance, inventer une source, une date ou un chiffre : vérifiez les faits et "
            "les citations avant de publier.",
            "Améliorez ensuite le résultat par petites touches, dans la même conversation : "
            "dites ce qui convient, ce qui ne convient pas, et pourquoi. Quand un prompt donne "
            "de bons résultats, gardez-le dans une bibliothèque personnelle pour le réutiliser.",
        ],
        "Relis ta réponse précédente comme le ferait un rédacteur en chef exigeant. Liste les "
        "affirmations qui demandent une vérification, les passages trop vagues et les "
        "répétitions.\n"
        "Propose ensuite une version corrigée, plus courte de 20 %.",
    ),
]

CHECKLIST_TITLE = "Aide-mémoire"
CHECKLIST = [
    ("Qui ?", "Un rôle pour GPT-4 et le public auquel s’adresse la réponse."),
    ("Quoi ?", "Une tâche précise, avec son objectif."),
    ("Comment ?", "Le format, la longueur, le ton et la langue."),
    ("Avec quoi ?", "Le contexte, les données utiles et un ou deux exemples."),
    ("Et après ?", "Vérifier, corriger par petites touches, garder les prompts qui marchent."),
]
