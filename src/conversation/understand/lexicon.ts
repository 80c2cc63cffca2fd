import type { HOME_OWNERSHIP, LOAN_PURPOSES } from '../../applicant/schema.ts';
import type { ChatField } from '../understand.ts';

/**
 * The words that say which field a number belongs to, in English and Spanish, on normalised
 * text (lower case, accents stripped: "años" is "anos"). Both languages are always tried:
 * people mix them.
 */

export type CueClass =
  | 'loan'
  | 'income'
  | 'debtNoun'
  | 'debtMonthly'
  | 'housing'
  | 'balance'
  | 'fico'
  | 'util'
  | 'open'
  | 'inquiries'
  | 'delinquencies'
  | 'publicRecords'
  | 'employment'
  | 'term'
  | 'residence';

const w = (words: string) => new RegExp(`(?<![a-z])(?:${words})(?![a-z])`, 'g');

export const CUES: Record<CueClass, RegExp> = {
  loan: w(
    "borrow\\w*|loans?|lend|lending|need|needs|needed|(?:i|we)'d need|would need|(?:i|we)'d like|would like|like to (?:get|borrow|take)|want|wants|wanted|wanting|wanna|looking for|looking to (?:get|borrow)|request\\w*|take out|get|consolidat\\w*|refinanc\\w*|pay off|payoff|prestamo|prestamos|prestad[oa]s?|presta(?:me|rme)|pedir|pido|necesit\\w*|quier\\w*|quisiera|gustaria|solicitar|financiar|financiamiento|busco|buscando|ocupo|ocupamos|requiero|consolidar|refinanciar|liquidar",
  ),
  income: w(
    'make|makes|making|made|earn|earns|earning|earnings|earned|pension|pensions|social security|retirement income|salary|salaries|income|incomes|wages?|paid|paycheck|paycheque|take[- ]home|bring (?:in|home)|brings (?:in|home)|my pay|pay is|gross|household|gano|ganamos|gana|ganando|ganar|sueldo|sueldos|salario|salarios|ingreso|ingresos|cobro|cobramos|cobra|cobrando|percibo|nomina|pension|pensiones|jubilacion',
  ),
  // For an amount with no period: these nouns are monthly by nature ("debt payments of 400").
  debtNoun: w(
    'payments|repayments|installments|instalments|minimum payments|minimums|debt payments|cuotas|mensualidades|pagos mensuales|pagos de (?:mis )?deudas',
  ),
  // For an amount "a month": anything about paying or owing makes it a debt payment.
  debtMonthly: w(
    'pay|pays|paying|payment|payments|repay\\w*|owe|debt|debts|loan|loans|cards?|installments?|minimums?|spend|car|auto|truck|note|financ\\w*|pago|pagos|pagar|pagamos|pagando|cuotas?|deudas?|prestamos?|tarjetas?|mensualidad\\w*|abono\\w*|debo|coche|carro',
  ),
  housing: w('rent|rents|renting|mortgage|mortgages|alquiler|alquilo|renta|rento|hipoteca\\w*|arriendo|housing|lease'),
  balance: w(
    'owe|owes|owing|balance|balances|debt(?! consolidation| relief| payoff)|saldo|saldos|debo|debemos|deuda|deudas|worth|savings|saved|ahorros|ahorrado|ahorro|down payment|deposit|enganche|limit|limits|limite\\w*|value|valor|costs?|cuesta|price|precio',
  ),
  fico: w(
    "fico|credit score|scores?|(?:my )?credit(?:'s| is| was| sits| rating)|credit(?! cards?| limits?| lines?| union| checks?| inquir| accounts?| history| report| utili[sz]ation| usage)|puntaje|puntuacion|score crediticio|calificacion crediticia|credit rating|buro|vantage\\w*|beacon",
  ),
  util: w('utili[sz]ation|utili[sz]ing|utili[sz]ed|usage|using|use|used|uso|usando|utilizo|utilizacion|maxed|revolving'),
  open: w(
    'open accounts?|accounts? open|open credit (?:accounts?|lines?)|credit accounts?|credit lines?|accounts|cuentas? abiertas?|cuentas|lineas de credito|creditos abiertos',
  ),
  inquiries: w(
    'inquir\\w*|enquir\\w*|applied|applications?|credit checks?|hard pulls?|hard checks?|solicite|solicitado|solicitudes|solicitud|consultas?|pedi credito|he pedido',
  ),
  delinquencies: w('late|missed|behind|delinquen\\w*|overdue|atras\\w*|retras\\w*|tarde|mora|moroso|impagos?|sin pagar|deje de pagar'),
  publicRecords: w(
    'bankruptc\\w*|bankrupt|public records?|judgm?ents?|liens?|foreclosures?|quiebras?|bancarrotas?|registros? publicos?|embargos?|insolvencia\\w*',
  ),
  employment: w(
    "work\\w*|job|jobs|employ\\w*|self-employed|company|firm|position|role|career|been at|been with|same place|i've been there|freelanc\\w*|contractor|trabaj\\w*|empleo|empleado|empleada|empresa|puesto|antiguedad|llevo|llevamos|chamba|curro|autonom[oa]s?|independiente|por cuenta propia|desde hace",
  ),
  term: w('over|term|terms|plazo|repay\\w*|pay (?:it )?back|payback|devolver\\w*|loan|prestamo|financ\\w*|within|pagarlo|pagar en|amortiz\\w*'),
  // How long someone has lived somewhere or been married: a length of time that is no field.
  residence: w('lived|living|live|lives|resided|residing|married|vivo|vivimos|viviendo|vivido|resid\\w*|casad[oa]s?'),
};

/** Percentages are utilisation only near these words (or when the assistant asked for it). */
export const UTIL_CONTEXT = new RegExp(
  w('cards?|limits?|credit|utili[sz]\\w*|revolving|usage|tarjetas?|limite\\w*|credito|utiliz\\w*|cupo|revolvente|uso|using|maxed').source,
);

/** A count's field from the noun right after it: "7 open accounts", "2 late payments". */
export const COUNT_AFTER: [RegExp, ChatField][] = [
  [
    /^\s*(?:open\s+)?(?:credit\s+)?(?:accounts?|lines?(?: of credit)?|tradelines?)(?![a-z])|^\s*open\s+(?:credit\s+)?cards?(?![a-z])|^\s*(?:cuentas?|lineas? de credito|creditos abiertos)(?![a-z])/,
    'openAccounts',
  ],
  [
    /^\s*(?:hard\s+|credit\s+|new\s+|recent\s+)*(?:inquir\w*|enquir\w*|credit checks?|pulls?|applications?)(?![a-z])|^\s*(?:consultas?|solicitudes)(?![a-z])/,
    'inquiries6m',
  ],
  [
    /^\s*(?:times?\s+)?(?:late|missed)(?:\s+payments?)?(?![a-z])|^\s*(?:delinquen\w*)|^\s*(?:pagos? (?:atrasados?|tardios?|vencidos?)|atrasos?|retrasos?|impagos?)(?![a-z])/,
    'delinquencies2y',
  ],
  [/^\s*(?:bankruptc\w*|public records?|judgm?ents?|liens?|foreclosures?|quiebras?|bancarrotas?|registros? publicos?)/, 'publicRecords'],
];

/** "no bankruptcies", "never missed a payment": a count (or the monthly debt) stated as zero. */
export const ZEROS: [RegExp, ChatField][] = [
  [
    /\b(?:no|zero|without|don'?t have any|do not have any|haven'?t got any|have no|no outstanding)\s+(?:other\s+|current\s+|existing\s+)?(?:debts?|loans|debt payments|monthly payments|other payments)\b|\bdebt[- ]free\b|\bno (?:tengo|tenemos|pago|pagamos)\s+(?:otras?\s+|ninguna?\s+)?(?:deudas?|prestamos|pagos mensuales|cuotas)\b|\bsin (?:otras\s+)?deudas\b|\bningun(?:a|os|as)? (?:otr[oa]s? )?(?:deudas?|prestamos?)\b|\bnada de deudas\b/,
    'monthlyDebtPayments',
  ],
  [
    /\bnever (?:been |had a |had any |made a |paid )?(?:late|missed|behind|delinquent)\b|\bnever missed\b|\bno (?:late|missed) (?:payments?|pays)\b|\b(?:always|i always) (?:paid|pay|pays) on time\b|\bnever (?:paid|pay) late\b|\bno delinquenc\w*|\bnunca (?:me )?(?:he |ha |hemos )?(?:atrasado|retrasado|fallado|dejado de pagar|pagado tarde|tenido atrasos|tenido retrasos)\b|\bnunca (?:me )?(?:atraso|retraso)\b|\bnunca (?:he )?pagado tarde\b|\bsiempre (?:he pagado|pago|pagamos) a tiempo\b|\bsin (?:pagos )?(?:atrasos|retrasos)\b|\bningun (?:pago atrasado|atraso|retraso)\b|\bno (?:tengo|he tenido) (?:pagos )?(?:atrasados|atrasos|retrasos|pagos atrasados|pagos tarde)\b|\bal dia (?:con|en) (?:mis |todos mis )?pagos\b/,
    'delinquencies2y',
  ],
  [
    /\bno (?:recent |new |other )?(?:credit |hard )?(?:inquiries|enquiries|applications|credit checks)\b|\b(?:haven'?t|have not|didn'?t|did not|not) (?:recently )?applied for (?:any )?(?:other |new |more )?(?:credit|loans?|cards?)\b|\bno he (?:solicitado|pedido) (?:ningun |otro |mas )?(?:credito|prestamo|tarjeta)s?\b|\bningun(?:a)? (?:solicitud|consulta)\b|\bsin consultas\b/,
    'inquiries6m',
  ],
  [
    /\bno (?:bankruptc\w*|public records?|judgm?ents?|liens?|foreclosures?)\b|\bnever (?:filed (?:for )?|declared |gone |been |went )?bankrupt\w*\b|\bnever (?:filed|declared) (?:for )?bankruptcy\b|\bsin (?:quiebras?|bancarrotas?|registros publicos|embargos)\b|\bnunca (?:me he declarado|he estado|he tenido|hemos tenido) (?:en )?(?:una )?(?:quiebra|bancarrota)\b|\bningun(?:a)? (?:quiebra|bancarrota|registro publico|embargo)\b/,
    'publicRecords',
  ],
  [/\bno (?:open |other )?(?:credit )?accounts\b|\bno tengo (?:ninguna )?cuentas?\b/, 'openAccounts'],
];

export type Home = (typeof HOME_OWNERSHIP)[number];

/** Home ownership: the first pattern that matches wins (a mortgage outranks "own", "live with parents" outranks "rent"). */
export const HOMES: [RegExp, Home][] = [
  [
    /\b(?:live|living|stay|staying|lives)\s+(?:with|at)\s+(?:my\s+|our\s+)?(?:parents|mom|mum|dad|family|folks|relatives|in-laws|grandparents|parent)\b|\bparents'? (?:house|home|place)\b|\brent[- ]free\b|\bcompany housing\b|\b(?:vivo|vivimos|estoy viviendo)\s+(?:con|en casa de)\s+(?:mis\s+|mi\s+)?(?:padres|papas|familia|madre|padre|mama|papa|abuelos|suegros)\b|\bcasa de mis padres\b/,
    'OTHER',
  ],
  [
    /\b(?:no|without a|without any|without|don'?t have a|paid off (?:my |the |our )?|mortgage[- ]free)\s*mortgage\b|\bmortgage[- ]free\b|\bsin hipoteca\b|\bhipoteca (?:ya )?(?:pagada|liquidada)\b|\b(?:termine|terminamos|acabe) de pagar (?:la|mi) hipoteca\b/,
    'OWN',
  ],
  [/\bmortgage[ds]?\b|\bhome loan\b|\bhipoteca\w*\b/, 'MORTGAGE'],
  [
    /\bown (?:my|our|the|a)\s+(?:own\s+)?(?:home|house|place|condo|apartment|flat|property)\b|\bown (?:it|outright)\b|\bowned outright\b|\bhome ?owners?\b|\b(?:house|home) is (?:fully )?paid(?: off)?\b|\bpaid[- ]off (?:house|home)\b|\b(?:casa|vivienda|piso|departamento|depa|apartamento) propi[oa]\b|\bpropietari[oa]\b|\bsoy (?:el |la )?duen[oa]\b|\b(?:la casa|mi casa|el piso) es (?:mia|mio|nuestra|nuestro)\b/,
    'OWN',
  ],
  [
    /\b(?:i|we) rent\b|\brent(?:ing|er|ers)?\b|\btenants?\b|\balquil\w*\b|\brento\b|\brentamos\b|\brentando\b|\brentad[oa]s?\b|\brented (?:flat|apartment|house|room|place|home|condo)\b|\brental (?:flat|apartment|house|home)\b|\bpag\w* (?:la |mi )renta\b|\b(?:vivo|vivimos) (?:en|de) renta\b|\bpago (?:la )?renta\b|\barriendo\b|\barrendando\b|\binquilin[oa]s?\b/,
    'RENT',
  ],
];

/** A bare answer to "Do you rent or own?". */
export const HOME_BARE: [RegExp, Home][] = [
  [/\b(?:parents|family|other|something else|neither|padres|familia|otr[oa]|ninguno)\b/, 'OTHER'],
  [/\b(?:mortgage|hipoteca)/, 'MORTGAGE'],
  [/\b(?:own|owner|mine|ours|propi[oa]|mia|mio|duen[oa])\b/, 'OWN'],
  [/\b(?:rent|renting|renter|alquil\w*|rento|renta|arriendo)\b/, 'RENT'],
];

export type Purpose = (typeof LOAN_PURPOSES)[number];

/** Loan purposes; the earliest in the message wins (cards and consolidation are settled together in understand.ts). */
export const PURPOSES: [RegExp, Purpose][] = [
  [
    /\b(?:consolidat\w*|refinanc\w*|debt relief|one (?:single )?(?:monthly )?payment|consolidar\w*|consolidacion|refinanciar\w*|unificar|reunificar|reunificacion|unificacion|juntar (?:mis |las |todas )?deudas)\b|\b(?:pay|paying|pay off|paying off|clear|clearing|combine|roll up|get rid of)\s+(?:off\s+)?(?:all\s+)?(?:of\s+)?(?:my\s+|our\s+)?(?:other\s+)?(?:debts|loans|bills|debt)\b|\b(?:pagar|liquidar|saldar|cancelar|quitarme)\s+(?:todas\s+)?(?:mis\s+|las\s+)?(?:otras\s+)?(?:deudas|prestamos)\b/,
    'debt_consolidation',
  ],
  [/\bcredit ?cards?\b|\bcards?\b|\btarjetas?\b/, 'credit_card'],
  [
    /\b(?:kitchen|bathroom|renovat\w*|remodel\w*|home improvements?|house improvements?|home repairs?|house repairs?|roof\w*|new windows|extension|basement|deck|patio|pool|fix(?:ing)? up (?:my|the|our) (?:house|home|place)|repairs? (?:to|on) (?:my|the|our) (?:house|home)|reforma\w*|remodelar|renovar|cocina|bano|techo|tejado|obras?|arreglar (?:la|mi) casa|mejoras? (?:en|de|para) (?:la|mi) (?:casa|vivienda)|ampliacion|piscina|alberca)\b/,
    'home_improvement',
  ],
  [
    /\b(?:medical|surgery|hospital\w*|dental|dentist|doctor|treatment|therapy|ivf|braces|root canal|orthodont\w*|implants?|ortodoncia|frenos|brackets|implantes?|medic[oa]s?|cirugia|operacion|dentista|tratamiento|clinica|salud)\b/,
    'medical',
  ],
  [/\b(?:moving|move|relocat\w*|mudanza|mudarme|mudarnos|mudar|traslado|me mudo|nos mudamos)\b/, 'moving'],
  [/\b(?:vacation|holiday|trip|travel\w*|honeymoon|vacaciones|viaje|viajar|luna de miel)\b/, 'vacation'],
  [/\b(?:wedding|getting married|get married|marry|boda|casarme|casarnos|casamiento|matrimonio|nos casamos|me caso)\b/, 'wedding'],
  [
    /\b(?:business|startup|start-up|my shop|inventory|restaurant|food truck|bakery|franchise|(?:open|start|launch)(?:ing)? (?:a|my|our) (?:small |new |own |little )?(?:shop|store|cafe|coffee shop|salon|barbershop|studio|gym|practice|company|firm)|negocio|emprender|emprendimiento|mi tienda|local comercial|pyme|mi propia empresa|franquicia|panaderia|cafeteria|restaurante|abrir (?:un|una|mi) (?:pequen[oa] )?(?:tienda|taller|local|consultorio|estetica|peluqueria|empresa))\b/,
    'small_business',
  ],
  [
    /\b(?:school|tuition|college|university|course|courses|degree|studies|study|education|masters|master's|mba|phd|bootcamp|estudios|estudiar|universidad|matricula|colegiatura|curso|maestria|carrera|educacion|posgrado|doctorado|escuela|colegio)\b/,
    'educational',
  ],
  [/\b(?:solar|renewable|heat pump|wind turbine|paneles solares|placas solares|energia (?:renovable|solar)|bomba de calor)\b/, 'renewable_energy'],
  [
    /\b(?:car|cars|vehicle|truck|suv|motorbike|motorcycle|scooter|coche|carro|auto|automovil|vehiculo|moto|camioneta|(?:used|new|a|my) (?:honda|toyota|ford|chevy|chevrolet|nissan|hyundai|kia|mazda|subaru|tesla|volkswagen|vw|jeep|bmw|audi|mercedes|dodge|gmc|lexus|volvo|seat|renault|peugeot))\b/,
    'car',
  ],
  [
    /\b(?:buy(?:ing)?|purchase|purchasing)\s+(?:a\s+|my\s+first\s+|our\s+first\s+|a\s+new\s+)?(?:house|home|condo|apartment|flat)\b|\bdown ?payment\b|\bdeposit (?:on|for) (?:a|the|my) (?:house|home|flat)\b|\bcomprar (?:una |mi |un |nuestra )?(?:casa|vivienda|piso|departamento|depa)\b|\benganche\b|\bentrada (?:de|para) (?:una |un |la |el |mi )?(?:casa|piso|vivienda)\b/,
    'house',
  ],
  [
    /\b(?:furniture|appliances?|computer|laptop|big purchase|major purchase|large purchase|engagement ring|piano|jewel\w*|muebles|electrodomesticos|computadora|ordenador|portatil|compra grande|compra importante)\b/,
    'major_purchase',
  ],
];

/** Not a purpose although it names one: existing debts ("student loans", "car loan payment"), "none of your business". */
export const PURPOSE_FALSE = /\bstudent loans?\b|\bprestamos? (?:estudiantil|de estudios)\w*|\bnone of your business\b|\bcar (?:insurance|payments?)\b/g;

/** Words that make a card mention a purpose (paying cards off), not a fact about them. */
export const CARD_ACTION =
  /\b(?:pay|paying|pay off|paying off|payoff|pay down|clear|clearing|get rid of|refinanc\w*|consolidat\w*|cover|for|to|pagar|liquidar|saldar|cancelar|quitar\w*|refinanciar|consolidar|para)\b/;

/** Consolidation aimed at debts in general, not only at cards. */
export const GENERAL_DEBTS = /\b(?:debts|loans|all my debt|bills|deudas|prestamos)\b/;
/** Paying cards off, whatever else the clause says ("pay off three store cards", "liquidar dos tarjetas"). */
export const CARD_PAYOFF =
  /\b(?:pay off|paying off|payoff|pay down|clear|clearing|get rid of|refinanc\w*|consolidat\w*|pagar|liquidar|saldar|cancelar|quitar\w*|refinanciar|consolidar)\b/;
/** Cards paid off together with a loan: that is consolidating debts. */
export const CARDS_AND_LOAN =
  /^(?:credit ?cards?|cards?|tarjetas?)(?: de credito)?\s+(?:and|y|plus|\+|&)\s+(?:a |an |un |una |my |mi |el |the )?(?:personal |car |student |other |otro |auto )?(?:loans?|prestamos?)\b/;

/** A bare "other" when asked for the purpose. */
export const PURPOSE_OTHER = /\b(?:other|something else|otr[oa]|otra cosa|varios|personal)\b/;

/** "rather not say", "prefiero no decirlo", "skip". */
export const DECLINE =
  /\b(?:rather not|prefer not|(?:don'?t|do not) want to (?:say|share|tell|answer|give)|not (?:telling|saying|sharing)|no comment|none of your business|prefiero no|no quiero (?:decir\w*|contestar|responder|compartir\w*|darl\w*|dar)|no (?:te |se )?lo (?:voy a )?(?:digo|decir)|sin comentarios|(?:don'?t|do not) know|not sure|no idea|no se|ni idea|no lo se|no estoy segur[oa])\b/;

/** Declining words that only count as an answer to the question just asked: "skip", "pass", "paso". */
export const DECLINE_BARE = /^\W*(?:skip(?: it| this| that| this one)?|pass|next|n\/a|na|paso|saltar|omitir|siguiente|no aplica)\W*$/;

/** A bare no, none or zero. */
export const NONE = /^\W*(?:no|none|nope|nah|never|zero|nada|ninguno|ninguna|ningun|nunca|cero|not any|not one|no tengo|no one)\b/;

/** Which field a declining clause is about: "I'd rather not say my income". */
export const DECLINE_FIELD: [RegExp, ChatField][] = [
  [/\b(?:income|salary|earn\w*|make|wages?|ingresos?|sueldo|salario|gano)\b/, 'annualIncome'],
  [/\b(?:score|fico|puntaje|puntuacion|buro)\b/, 'ficoScore'],
  [/\b(?:job|work|employ\w*|trabajo|empleo)\b/, 'employmentYears'],
  [/\b(?:debts?|payments|deudas?|pagos)\b/, 'monthlyDebtPayments'],
  [/\b(?:what (?:it'?s|it is) for|purpose|para que)\b/, 'purpose'],
  [/\b(?:rent|own|home|housing|vivienda|casa)\b/, 'homeOwnership'],
  [/\b(?:how much (?:i(?:'d)? )?(?:need|want|borrow)|loan amount|cuanto (?:necesito|quiero|pido))\b/, 'loanAmount'],
];
