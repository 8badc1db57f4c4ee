"""A news site's volume in a PostgreSQL database of the store, generated in SQL.

`generate(connection, VOLUMES["full"])` adds, to a migrated and seeded database: 100,000
published articles (3–9 KB of French text, one in seven for subscribers), 205,000 comments
(5,000 on the newest article), 200,000 customers, 500,000 orders with their lines, a
subscription for every fifth order (~100,000), 300,000 payments, and three accounts the bench
logs in as: the admin, a subscriber with 200 orders (`SUBSCRIBER`), a customer with one order.
Every row is made by `INSERT … SELECT … FROM generate_series` (no Python loop over rows), so
the full volume takes a few minutes.

The statements name the models' tables and columns: tests/ops/test_scale_data.py runs them at
the `tiny` volume on the suite's PostgreSQL database, so a model change that breaks them fails
`make test`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

#: what the bench logs in with (password for all three)
PASSWORD = "bench password"
ADMIN = "admin@bench.example"
SUBSCRIBER = "abonne@bench.example"
BUYER = "acheteur@bench.example"


@dataclass(frozen=True)
class Volume:
    articles: int
    comments: int
    customers: int
    orders: int
    payments: int
    #: comments on the newest article (the rest are spread over the others)
    comments_on_one: int
    #: orders of SUBSCRIBER
    subscriber_orders: int


VOLUMES = {
    "full": Volume(100_000, 205_000, 200_000, 500_000, 300_000, 5_000, 200),
    "tenth": Volume(10_000, 20_500, 20_000, 50_000, 30_000, 500, 200),
    "tiny": Volume(60, 120, 40, 100, 60, 20, 12),
    #: the demo content, the three accounts, seven articles (one for subscribers) and three
    #: orders of the subscriber (a subscription, two one-time), so that every page of the bench
    #: exists and shows the same kinds of things
    "demo": Volume(7, 0, 0, 0, 3, 0, 3),
}

#: paragraphs the article bodies are made of (most mention "intelligence", as most articles
#: of a tech-news site do; a few words change per article)
PARAGRAPHS = [
    "L'intelligence artificielle générative transforme les rédactions : les outils de "
    "synthèse, de traduction et de vérification des faits arrivent dans les logiciels "
    "que les journalistes utilisent chaque jour, et les éditeurs négocient avec OpenAI, "
    "Google et Mistral l'usage de leurs archives pour entraîner les modèles.",
    "Les régulateurs européens examinent les pratiques des grandes plateformes : la "
    "Commission a ouvert une enquête sur les accords entre les fabricants de puces et "
    "les fournisseurs de services d'intelligence artificielle, tandis que la CNIL publie "
    "ses recommandations sur les données personnelles utilisées pour l'apprentissage.",
    "Dans les entreprises, les assistants de programmation écrivent désormais une part "
    "croissante du code, mais les équipes de sécurité rappellent que chaque suggestion "
    "doit être relue : une dépendance inventée ou une clé oubliée suffit à ouvrir une "
    "brèche que personne n'avait vue venir.",
    "Le marché des processeurs graphiques reste tendu : les centres de données "
    "commandent des accélérateurs par dizaines de milliers, l'électricité devient le "
    "premier poste de dépense et plusieurs opérateurs annoncent des centrales dédiées à "
    "l'intelligence artificielle d'ici la fin de la décennie.",
    "Côté grand public, les téléphones embarquent des modèles compacts qui résument les "
    "messages, retouchent les photos et traduisent les conversations sans passer par le "
    "nuage, une promesse de confidentialité que les fabricants mettent en avant dans "
    "leurs campagnes publicitaires.",
    "Les chercheurs publient chaque semaine de nouveaux résultats sur le raisonnement des "
    "modèles de langage : certains tests montrent des progrès spectaculaires en "
    "mathématiques, d'autres rappellent que l'intelligence mesurée dépend beaucoup de la "
    "manière dont la question est posée.",
    "Les jeunes pousses françaises lèvent des fonds record : investisseurs américains et "
    "fonds souverains se disputent les équipes capables d'entraîner un modèle de "
    "fondation, et Paris se présente comme la capitale européenne de l'intelligence "
    "artificielle.",
    "Les syndicats d'auteurs et de comédiens demandent des garanties : ils veulent "
    "savoir quelles œuvres ont servi à l'entraînement, être rémunérés quand leur voix ou "
    "leur style est imité, et pouvoir refuser que leur travail nourrisse une machine.",
    "Dans l'éducation, les enseignants adaptent leurs évaluations : devoirs rédigés en "
    "classe, oraux plus nombreux et exercices qui demandent d'expliquer une démarche "
    "plutôt que de produire une réponse qu'un assistant d'intelligence artificielle "
    "trouverait en quelques secondes.",
    "Enfin, la question de l'énergie revient dans chaque débat : combien coûte une "
    "requête, combien d'eau refroidit un centre de calcul, et comment concilier "
    "l'essor des usages avec les engagements climatiques pris par les géants du "
    "numérique.",
]


def _run(connection, statement: str, **params) -> None:
    connection.execute(sa.text(statement), params)


def _scalar(connection, statement: str, **params):
    return connection.execute(sa.text(statement), params).scalar()


def generate(connection, volume: Volume, password_hash: str) -> dict[str, int]:
    """Add `volume` to the seeded database behind `connection` (the caller commits); returns
    the subscriber's and the buyer's account ids."""
    monthly = _scalar(
        connection, "SELECT id FROM product WHERE billing = 'month' ORDER BY id LIMIT 1"
    )
    one_time = _scalar(
        connection, "SELECT id FROM product WHERE billing = 'one_time' ORDER BY id LIMIT 1"
    )
    _accounts(connection, password_hash)
    if volume.articles:
        _articles(connection, volume, monthly)
        _comments(connection, volume)
    if volume.customers:
        _customers(connection, volume, password_hash)
    _orders(connection, volume, monthly, one_time)
    _run(connection, "ANALYZE")
    return {
        "subscriber": _scalar(
            connection, "SELECT id FROM user_account WHERE email = :e", e=SUBSCRIBER
        ),
        "buyer": _scalar(connection, "SELECT id FROM user_account WHERE email = :e", e=BUYER),
    }


def _accounts(connection, password_hash: str) -> None:
    _run(
        connection,
        "INSERT INTO user_account (email, password_hash, is_admin, session_token, locale,"
        " email_confirmed_at, created_at)"
        " SELECT e, :hash, e = :admin, md5(random()::text) || md5(random()::text), 'fr', now(),"
        " now() FROM unnest(CAST(:emails AS text[])) AS e",
        hash=password_hash,
        admin=ADMIN,
        emails=[ADMIN, SUBSCRIBER, BUYER],
    )


def _articles(connection, volume: Volume, monthly: int) -> None:
    _run(
        connection,
        "INSERT INTO category (slug, name) SELECT 'rubrique-' || n, 'Rubrique ' || n"
        " FROM generate_series(1, 8) AS n",
    )
    # n = 1 is the newest; one in seven is for subscribers (unlocked by the monthly offer)
    _run(
        connection,
        """
        INSERT INTO article (slug, title, excerpt, body, body_html, teaser_html, category_id,
                             published_at, offer_product_id, created_at, updated_at,
                             subscribers_only)
        SELECT 'article-' || n,
               'Article ' || n || ' : ' || split_part(p.paragraphs[1 + n % 10], ' ', 2)
                   || ' et ' || split_part(p.paragraphs[1 + (n / 10) % 10], ' ', 4),
               'Ce qu''il faut retenir de l''article ' || n || '.',
               b.body,
               '<p>' || replace(b.body, E'\n\n', E'</p>\n<p>') || '</p>',
               '<p>' || split_part(b.body, E'\n\n', 1) || '</p>',
               c.ids[1 + n % array_length(c.ids, 1)],
               now() - interval '1 hour' - n * interval '47 minutes',
               :monthly,
               now() - n * interval '47 minutes',
               now() - n * interval '47 minutes',
               n % 7 = 0
        FROM generate_series(1, :articles) AS n
        CROSS JOIN (SELECT CAST(:paragraphs AS text[]) AS paragraphs) AS p
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM category
                    WHERE slug LIKE 'rubrique-%') AS c
        CROSS JOIN LATERAL (
            SELECT string_agg(p.paragraphs[1 + (n + k * 3) % 10] || ' Article ' || n
                              || ', partie ' || k || '.', E'\n\n') AS body
            FROM generate_series(1, 3 + n % 7) AS k
        ) AS b
        """,
        articles=volume.articles,
        monthly=monthly,
        paragraphs=PARAGRAPHS,
    )
    _run(
        connection,
        "INSERT INTO article_access (article_id, product_id)"
        " SELECT id, :monthly FROM article WHERE subscribers_only AND slug LIKE 'article-%'",
        monthly=monthly,
    )


def _comments(connection, volume: Volume) -> None:
    first = _scalar(connection, "SELECT min(id) FROM article WHERE slug LIKE 'article-%'")
    _run(
        connection,
        """
        INSERT INTO comment (article_id, author_name, author_email, user_id, author_website,
                             body, status, created_at)
        SELECT CASE WHEN n <= :on_one THEN :first
                    ELSE :first + 1 + n % (:articles - 1) END,
               'Lecteur ' || n, 'lecteur' || n || '@example.org', NULL, '',
               'Un commentaire sur cet article, numéro ' || n || '.',
               CASE WHEN n % 20 = 0 THEN 'pending' WHEN n % 33 = 0 THEN 'spam'
                    ELSE 'approved' END,
               now() - n * interval '3 minutes'
        FROM generate_series(1, :comments) AS n
        """,
        on_one=volume.comments_on_one,
        first=first,
        articles=max(volume.articles, 2),
        comments=volume.comments,
    )


def _customers(connection, volume: Volume, password_hash: str) -> None:
    _run(
        connection,
        "INSERT INTO user_account (email, password_hash, is_admin, session_token, locale,"
        " email_confirmed_at, created_at)"
        " SELECT 'client' || n || '@example.org', :hash, false,"
        " md5(n::text || random()::text) || md5(random()::text), 'fr', now(),"
        " now() - n * interval '13 minutes'"
        " FROM generate_series(1, :customers) AS n",
        hash=password_hash,
        customers=volume.customers,
    )


def _orders(connection, volume: Volume, monthly: int, one_time: int) -> None:
    """Orders (every fifth a subscription), one line each, subscriptions, Stripe customers
    and payments. SUBSCRIBER has `subscriber_orders` orders, the first a paid subscription;
    BUYER one paid one-time order."""
    first_customer = _scalar(
        connection, "SELECT min(id) FROM user_account WHERE email LIKE 'client%@example.org'"
    )
    subscriber = _scalar(connection, "SELECT id FROM user_account WHERE email = :e", e=SUBSCRIBER)
    buyer = _scalar(connection, "SELECT id FROM user_account WHERE email = :e", e=BUYER)
    orders = volume.orders + volume.subscriber_orders + 1
    _run(
        connection,
        """
        INSERT INTO customer_order (number, user_id, email, status, currency, total_cents, mode,
                                    stripe_checkout_session_id, created_at, updated_at, paid_at,
                                    discount_cents)
        SELECT 'GB-' || lpad(n::text, 8, '0'), o.user_id,
               CASE WHEN o.user_id = :subscriber THEN :subscriber_email
                    WHEN o.user_id = :buyer THEN :buyer_email
                    ELSE 'client' || (o.user_id - :first_customer + 1) || '@example.org' END,
               o.status, 'EUR', CASE WHEN o.subscription THEN 700 ELSE 1900 END,
               CASE WHEN o.subscription THEN 'subscription' ELSE 'payment' END,
               'cs_bench_' || n,
               now() - n * interval '1 minute', now() - n * interval '1 minute',
               CASE WHEN o.status IN ('paid', 'refunded')
                    THEN now() - n * interval '1 minute' END,
               0
        FROM generate_series(1, :orders) AS n
        CROSS JOIN LATERAL (
            SELECT CASE WHEN n <= :subscriber_orders THEN :subscriber
                        WHEN n = :subscriber_orders + 1 THEN :buyer
                        ELSE :first_customer + n % :customers END AS user_id,
                   CASE WHEN n = 1 THEN true WHEN n <= :subscriber_orders + 1 THEN false
                        ELSE n % 5 = 0 END AS subscription,
                   CASE WHEN n <= :subscriber_orders + 1 THEN 'paid'
                        WHEN n % 20 = 1 THEN 'pending_payment'
                        WHEN n % 33 = 2 THEN 'abandoned'
                        WHEN n % 50 = 3 THEN 'refunded'
                        ELSE 'paid' END AS status
        ) AS o
        """,
        orders=orders,
        subscriber=subscriber,
        subscriber_email=SUBSCRIBER,
        buyer=buyer,
        buyer_email=BUYER,
        first_customer=first_customer or 0,
        customers=max(volume.customers, 1),
        subscriber_orders=volume.subscriber_orders or 1,
    )
    _run(
        connection,
        """
        INSERT INTO order_line (order_id, product_id, title, unit_price_cents, currency,
                                interval, quantity)
        SELECT o.id, CASE WHEN o.mode = 'subscription' THEN :monthly ELSE :one_time END,
               CASE WHEN o.mode = 'subscription' THEN 'Accès à GPT 4' ELSE 'Guide PDF' END,
               o.total_cents, 'EUR',
               CASE WHEN o.mode = 'subscription' THEN 'month' END, 1
        FROM customer_order AS o WHERE o.number LIKE 'GB-%'
        """,
        monthly=monthly,
        one_time=one_time,
    )
    _run(
        connection,
        """
        INSERT INTO subscription (stripe_subscription_id, stripe_customer_id, user_id, order_id,
                                  product_id, status, current_period_end, cancel_at_period_end,
                                  monthly_value_cents, created_at, updated_at)
        SELECT 'sub_bench_' || o.id, 'cus_bench_' || o.user_id, o.user_id, o.id, :monthly,
               CASE WHEN o.user_id = :subscriber THEN 'active'
                    WHEN o.id % 10 < 7 THEN 'active' WHEN o.id % 10 < 9 THEN 'canceled'
                    WHEN o.id % 20 = 9 THEN 'past_due' ELSE 'trialing' END,
               now() + interval '20 days', false, o.total_cents, o.created_at, o.created_at
        FROM customer_order AS o
        WHERE o.number LIKE 'GB-%' AND o.mode = 'subscription' AND o.status = 'paid'
        """,
        monthly=monthly,
        subscriber=subscriber,
    )
    _run(
        connection,
        "INSERT INTO stripe_customer (user_id, stripe_customer_id, created_at)"
        " SELECT DISTINCT user_id, 'cus_bench_' || user_id, now() FROM subscription"
        " WHERE stripe_subscription_id LIKE 'sub_bench_%'",
    )
    _run(
        connection,
        """
        INSERT INTO payment (stripe_id, order_id, subscription_id, user_id, amount_cents,
                             currency, status, stripe_invoice_id, invoice_number, created_at,
                             updated_at)
        SELECT 'in_bench_' || o.id, o.id, s.id, o.user_id, o.total_cents, 'EUR', 'paid',
               'in_bench_' || o.id, 'BENCH-' || o.id, o.paid_at, o.paid_at
        FROM customer_order AS o
        LEFT JOIN subscription AS s ON s.order_id = o.id
        WHERE o.number LIKE 'GB-%' AND o.status IN ('paid', 'refunded')
        ORDER BY o.id
        LIMIT :payments
        """,
        payments=max(volume.payments, volume.subscriber_orders + 1),
    )
