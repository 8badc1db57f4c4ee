"""Starting text of the legal pages for the demo (`flask store seed`): a French seller of
digital content. A starting point to have checked by a lawyer, not legal advice."""

MENTIONS_FR = """\
## Éditeur

Les informations ci-dessus identifient l’éditeur du site et son hébergeur, conformément à
l’article 6 III de la loi n° 2004-575 du 21 juin 2004 pour la confiance dans l’économie numérique.

## Propriété intellectuelle

Les articles, guides et illustrations publiés sur ce site sont protégés par le droit d’auteur.
Toute reproduction sans autorisation est interdite, hors courte citation avec mention de la source.

## Contact

Pour toute question, écrivez à l’éditeur à l’adresse indiquée ci-dessus.
"""

MENTIONS_EN = """\
## Publisher

The information above identifies the publisher of this site and its host, as French law
requires (article 6 III of the loi pour la confiance dans l’économie numérique of 21 June 2004).

## Intellectual property

The articles, guides and pictures published on this site are protected by copyright.
Reproduction without permission is forbidden, except short quotations naming the source.

## Contact

For any question, write to the publisher at the address given above.
"""

CGV_FR = """\
## Objet

Les présentes conditions générales de vente régissent la vente en ligne de contenus numériques
(abonnements, articles et guides téléchargeables) par l’éditeur désigné dans les mentions légales.

## Prix

Les prix sont indiqués en euros, toutes taxes comprises (TTC). Le prix applicable est celui
affiché au moment de la commande.

## Paiement

Le paiement s’effectue par carte bancaire via notre prestataire Stripe. La commande est
confirmée dès l’acceptation du paiement.

## Abonnements

Un abonnement se renouvelle automatiquement à la fin de chaque période (mois ou année).
Vous pouvez le résilier à tout moment depuis votre compte : il prend fin à l’échéance de la
période en cours, sans nouveau prélèvement.

## Droit de rétractation

Vous disposez d’un délai de 14 jours à compter de la commande pour exercer votre droit de
rétractation (article L221-18 du Code de la consommation).

Pour un contenu numérique fourni immédiatement, ce droit ne peut plus être exercé une fois
l’accès commencé, si vous avez expressément demandé cet accès immédiat et reconnu renoncer à
votre droit de rétractation (article L221-28, 13° du Code de la consommation).

## Médiation

En cas de litige, vous pouvez recourir gratuitement à un médiateur de la consommation.
"""

CGV_EN = """\
## Scope

These terms of sale govern the online sale of digital content (subscriptions, articles and
downloadable guides) by the publisher named in the legal notice.

## Prices

Prices are in euros, all taxes included. The price that applies is the one shown when you order.

## Payment

You pay by card through our payment provider, Stripe. The order is confirmed once the payment
is accepted.

## Subscriptions

A subscription renews automatically at the end of each period (month or year). You can cancel
it at any time from your account: it ends at the end of the current period, with no further charge.

## Right of withdrawal

You have 14 days from your order to withdraw from it (article L221-18 of the French Consumer Code).

For digital content supplied immediately, this right ends once access has begun, if you
expressly asked for immediate access and acknowledged that you waive your right of withdrawal
(article L221-28, 13° of the French Consumer Code).

## Mediation

In case of dispute, you may turn to a consumer mediator free of charge.
"""

PRIVACY_FR = """\
## Données collectées

Nous conservons votre adresse e-mail, votre mot de passe (chiffré), vos commandes, vos
abonnements et vos commentaires. Nous ne conservons jamais vos numéros de carte : Stripe les traite.

## Finalités

Ces données servent à gérer votre compte, vos achats et vos accès, et à vous envoyer les messages
liés à vos commandes. Les factures sont conservées dix ans, comme la loi l’exige.

## Sous-traitants

- **Stripe**, pour le paiement ;
- **notre hébergeur**, désigné dans les mentions légales, pour le stockage des données.

## Vos droits (RGPD)

Vous disposez d’un droit d’accès, de rectification, d’effacement, de portabilité, de limitation et
d’opposition. Depuis votre compte, vous pouvez exporter vos données ou supprimer votre compte.
Vous pouvez aussi saisir la CNIL (www.cnil.fr).
"""

PRIVACY_EN = """\
## Data we keep

We keep your email address, your password (hashed), your orders, your subscriptions and your
comments. We never keep card numbers: Stripe handles them.

## Purposes

This data is used to run your account, your purchases and your access, and to send you the
messages about your orders. Invoices are kept for ten years, as the law requires.

## Processors

- **Stripe**, for payments;
- **our host**, named in the legal notice, for storing the data.

## Your rights (GDPR)

You have the right to access, correct, erase and port your data, and to restrict or object to its
use. From your account you can export your data or delete your account. You may also complain to
the CNIL (www.cnil.fr).
"""

#: (kind, locale) → starting text
PAGES = {
    ("mentions", "fr"): MENTIONS_FR,
    ("mentions", "en"): MENTIONS_EN,
    ("cgv", "fr"): CGV_FR,
    ("cgv", "en"): CGV_EN,
    ("privacy", "fr"): PRIVACY_FR,
    ("privacy", "en"): PRIVACY_EN,
}
