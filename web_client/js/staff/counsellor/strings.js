/** The counsellor console's words (fi/sv/en) and the canned openers in three languages. */

export const OPENERS = Object.freeze({
  en: ['Hi, I am a counsellor here. I am glad you reached out.', 'Take your time. What is on your mind tonight?', 'Are you safe right now?'],
  fi: ['Hei, olen täällä ammattilaisena. Hyvä, että otit yhteyttä.', 'Ota rauhassa aikaa. Mitä mielessäsi on tänä iltana?', 'Oletko juuri nyt turvassa?'],
  sv: ['Hej, jag är kurator här. Bra att du hörde av dig.', 'Ta den tid du behöver. Vad tänker du på i kväll?', 'Är du i säkerhet just nu?'],
});

const en = {
  'nav.counsel': 'Cases', 'counsel.title': 'Counsellor console', 'counsel.duty': 'Duty',
  'counsel.available': 'You are available for new cases.', 'counsel.away': 'You are away.',
  'counsel.capacity': 'Sessions at once', 'counsel.go_available': 'Set available', 'counsel.go_away': 'Set away',
  'counsel.queue': 'Waiting ({n})', 'counsel.queue_empty': 'Nobody is waiting.', 'counsel.level': 'Level {n}',
  'counsel.waited': 'waited {time}', 'counsel.from_group': 'from a group', 'counsel.offered': 'offered to you',
  'counsel.claim': 'Take this case', 'counsel.session': 'Session with {name}', 'counsel.ctx_level': 'Level',
  'counsel.ctx_categories': 'Categories', 'counsel.ctx_flags': 'Source and flags', 'counsel.ctx_waited': 'Waited',
  'counsel.ctx_shared': 'Messages shared', 'counsel.realerts': '{n} re-alerts', 'counsel.person_left': 'The person has left the conversation.',
  'counsel.log': 'Conversation', 'counsel.write': 'Message to the person', 'counsel.send': 'Send',
  'counsel.transfer_to': 'Colleague to transfer to', 'counsel.transfer': 'Transfer', 'counsel.transfer_asked': 'Transfer asked; the case stays with you until they accept.',
  'counsel.notes_unavailable': 'Notes are not available yet: they need the counsellor team key, which is not set up.',
  'counsel.outcome': 'Outcome', 'counsel.close': 'Close the case', 'counsel.closed': 'The case is closed.',
  'counsel.outcome.supported': 'Supported', 'counsel.outcome.referred': 'Referred to services',
  'counsel.outcome.emergency_confirmed': 'Emergency services contacted and confirmed', 'counsel.outcome.person_left': 'Person left',
  'counsel.outcome.no_response': 'No response', 'counsel.transfers': 'Transfers to you', 'counsel.transfer_from': 'From {from}: level {n}',
  'counsel.accept': 'Accept', 'counsel.decline': 'Decline', 'counsel.health': 'Queue health',
  'counsel.h_waiting': 'Waiting per level', 'counsel.h_oldest': 'Oldest wait', 'counsel.h_claim': 'Median time to claim',
  'counsel.h_available': 'Counsellors available', 'counsel.h_sessions': 'Sessions per counsellor', 'counsel.h_gaps': 'Periods with no-one on duty',
  'counsel.health_none': 'Queue health is not available.', 'counsel.health_refresh': 'Refresh',
  'counsel.realert': 'A waiting case needs someone now.', 'counsel.error': 'That did not work ({code}).',
};

const fi = {
  'nav.counsel': 'Tapaukset', 'counsel.title': 'Ammattilaisen näkymä', 'counsel.duty': 'Päivystys',
  'counsel.available': 'Olet vapaana uusille tapauksille.', 'counsel.away': 'Olet poissa.',
  'counsel.capacity': 'Keskusteluja yhtä aikaa', 'counsel.go_available': 'Merkitse vapaaksi', 'counsel.go_away': 'Merkitse poissaolevaksi',
  'counsel.queue': 'Odottaa ({n})', 'counsel.queue_empty': 'Kukaan ei odota.', 'counsel.level': 'Taso {n}',
  'counsel.waited': 'odottanut {time}', 'counsel.from_group': 'ryhmästä', 'counsel.offered': 'tarjottu sinulle',
  'counsel.claim': 'Ota tapaus', 'counsel.session': 'Keskustelu: {name}', 'counsel.ctx_level': 'Taso',
  'counsel.ctx_categories': 'Luokat', 'counsel.ctx_flags': 'Lähde ja merkinnät', 'counsel.ctx_waited': 'Odotti',
  'counsel.ctx_shared': 'Jaettuja viestejä', 'counsel.realerts': '{n} uusintahälytystä', 'counsel.person_left': 'Henkilö on poistunut keskustelusta.',
  'counsel.log': 'Keskustelu', 'counsel.write': 'Viesti henkilölle', 'counsel.send': 'Lähetä',
  'counsel.transfer_to': 'Kollega, jolle siirretään', 'counsel.transfer': 'Siirrä', 'counsel.transfer_asked': 'Siirtoa pyydetty; tapaus pysyy sinulla, kunnes kollega hyväksyy.',
  'counsel.notes_unavailable': 'Muistiinpanot eivät ole vielä käytössä: ne tarvitsevat tiimin avaimen, jota ei ole otettu käyttöön.',
  'counsel.outcome': 'Lopputulos', 'counsel.close': 'Sulje tapaus', 'counsel.closed': 'Tapaus on suljettu.',
  'counsel.outcome.supported': 'Tuettu', 'counsel.outcome.referred': 'Ohjattu palveluihin',
  'counsel.outcome.emergency_confirmed': 'Hätäpalveluihin otettu yhteys ja vahvistettu', 'counsel.outcome.person_left': 'Henkilö poistui',
  'counsel.outcome.no_response': 'Ei vastausta', 'counsel.transfers': 'Siirrot sinulle', 'counsel.transfer_from': '{from}: taso {n}',
  'counsel.accept': 'Hyväksy', 'counsel.decline': 'Kieltäydy', 'counsel.health': 'Jonon tila',
  'counsel.h_waiting': 'Odottavia tasoittain', 'counsel.h_oldest': 'Pisin odotus', 'counsel.h_claim': 'Mediaaniaika ottoon',
  'counsel.h_available': 'Vapaita ammattilaisia', 'counsel.h_sessions': 'Keskusteluja ammattilaista kohden', 'counsel.h_gaps': 'Jaksoja ilman päivystäjää',
  'counsel.health_none': 'Jonon tila ei ole saatavilla.', 'counsel.health_refresh': 'Päivitä',
  'counsel.realert': 'Odottava tapaus tarvitsee jonkun nyt.', 'counsel.error': 'Se ei onnistunut ({code}).',
};

const sv = {
  'nav.counsel': 'Ärenden', 'counsel.title': 'Kuratorns vy', 'counsel.duty': 'Tjänst',
  'counsel.available': 'Du är ledig för nya ärenden.', 'counsel.away': 'Du är borta.',
  'counsel.capacity': 'Samtal samtidigt', 'counsel.go_available': 'Markera ledig', 'counsel.go_away': 'Markera borta',
  'counsel.queue': 'Väntar ({n})', 'counsel.queue_empty': 'Ingen väntar.', 'counsel.level': 'Nivå {n}',
  'counsel.waited': 'väntat {time}', 'counsel.from_group': 'från en grupp', 'counsel.offered': 'erbjudet dig',
  'counsel.claim': 'Ta ärendet', 'counsel.session': 'Samtal med {name}', 'counsel.ctx_level': 'Nivå',
  'counsel.ctx_categories': 'Kategorier', 'counsel.ctx_flags': 'Källa och markeringar', 'counsel.ctx_waited': 'Väntade',
  'counsel.ctx_shared': 'Delade meddelanden', 'counsel.realerts': '{n} nya larm', 'counsel.person_left': 'Personen har lämnat samtalet.',
  'counsel.log': 'Samtal', 'counsel.write': 'Meddelande till personen', 'counsel.send': 'Skicka',
  'counsel.transfer_to': 'Kollega att överföra till', 'counsel.transfer': 'Överför', 'counsel.transfer_asked': 'Överföring begärd; ärendet stannar hos dig tills kollegan godkänner.',
  'counsel.notes_unavailable': 'Anteckningar finns inte ännu: de behöver teamets nyckel, som inte är inrättad.',
  'counsel.outcome': 'Utfall', 'counsel.close': 'Stäng ärendet', 'counsel.closed': 'Ärendet är stängt.',
  'counsel.outcome.supported': 'Stöttad', 'counsel.outcome.referred': 'Hänvisad till tjänster',
  'counsel.outcome.emergency_confirmed': 'Nödtjänster kontaktade och bekräftade', 'counsel.outcome.person_left': 'Personen lämnade',
  'counsel.outcome.no_response': 'Inget svar', 'counsel.transfers': 'Överföringar till dig', 'counsel.transfer_from': 'Från {from}: nivå {n}',
  'counsel.accept': 'Godkänn', 'counsel.decline': 'Avböj', 'counsel.health': 'Köns läge',
  'counsel.h_waiting': 'Väntande per nivå', 'counsel.h_oldest': 'Längsta väntan', 'counsel.h_claim': 'Mediantid till övertagande',
  'counsel.h_available': 'Lediga kuratorer', 'counsel.h_sessions': 'Samtal per kurator', 'counsel.h_gaps': 'Perioder utan någon i tjänst',
  'counsel.health_none': 'Köns läge är inte tillgängligt.', 'counsel.health_refresh': 'Uppdatera',
  'counsel.realert': 'Ett väntande ärende behöver någon nu.', 'counsel.error': 'Det gick inte ({code}).',
};

export const COUNSEL_STRINGS = Object.freeze({ fi, sv, en });
