# Conversación de Lendwise, en español. Todos los mensajes, botones y errores que una persona ve en el chat.
# El dinero y los números llegan ya formateados para el idioma ($amount, $value); los recuentos simples usan NUMBER().

## Saludo y comandos

intro =
    ¡Hola! Soy Lendwise, un asistente de préstamos.
    Cuéntame con tus propias palabras qué necesitas —por ejemplo: “Quiero 12 mil a 3 años para pagar mis tarjetas; gano unos 55 mil y alquilo”— y solo te preguntaré lo que falte. Nunca te pido tu nombre ni tu dirección.
    Al final recibes al instante una decisión, los motivos principales y un precio.
intro-resume = Tienes una solicitud en curso; aquí es donde nos quedamos:
start-applying = Empecemos. Escribe tus respuestas con tus propias palabras o usa los botones; /back deshace la última respuesta y /cancel lo detiene todo.
cancelled = Listo, lo dejamos aquí y descarto las respuestas que me diste. Cuéntame qué necesitas cuando quieras, o envía /apply.
nothing-to-undo = No hay ninguna respuesta anterior que deshacer.
undone = Borré tu respuesta sobre “{ $field }”.
idle-hint = Cuéntame qué préstamo necesitas (por ejemplo, “10 mil a 5 años para un auto”) o envía /apply para empezar.
language-changed = A partir de ahora te hablaré en español.
language-choose = ¿Qué idioma prefieres?
help-applicant = Cuéntame qué necesitas con tus propias palabras o usa /apply. /back deshace la última respuesta, /cancel lo detiene todo, /status muestra tu última decisión, /forget borra tus datos y /language cambia el idioma.

## Preguntas

q-loanAmount = ¿Cuánto dinero quieres pedir prestado (en dólares estadounidenses)?
q-termMonths = ¿En cuánto tiempo quieres devolverlo?
q-purpose = ¿Para qué es el préstamo?
q-annualIncome = ¿Cuáles son tus ingresos anuales antes de impuestos?
q-employmentYears = ¿Cuántos años llevas en tu trabajo actual?
q-homeOwnership = ¿Alquilas, tienes una hipoteca o tu vivienda es tuya y ya está pagada?
q-monthlyDebtPayments = ¿Cuánto pagas cada mes por otras deudas (tarjetas, préstamos, pagos del auto), sin contar el alquiler ni la hipoteca?
q-ficoScore = ¿Cuál es tu puntuación de crédito (FICO, entre 300 y 850)?
q-record = En los últimos 2 años, ¿alguna vez te atrasaste 30 días o más en un pago? En los últimos 6 meses, ¿solicitaste crédito? ¿Hay quiebras, sentencias judiciales o embargos fiscales en tu historial? Si no te pasa nada de esto, toca “Nada de esto”; en caso contrario, cuéntamelo, por ejemplo: “me atrasé una vez, lo solicité dos veces”.
q-delinquencies2y = En los últimos 2 años, ¿cuántas veces te atrasaste 30 días o más en un pago?
q-inquiries6m = ¿Cuántas veces has solicitado crédito en los últimos 6 meses?
q-publicRecords = ¿Cuántos registros públicos (quiebras, sentencias judiciales, embargos fiscales) hay en tu historial crediticio?
q-revolvingUtilisation = Más o menos, ¿qué parte del límite de tus tarjetas de crédito estás usando ahora mismo?
q-openAccounts = ¿Cuántas cuentas de crédito (tarjetas y préstamos) tienes abiertas?

example = (Por ejemplo: { $example })
ex-loanAmount = 12.000 o 12 mil
ex-annualIncome = 52.000 o 52 mil
ex-monthlyDebtPayments = 450, o “nada”
ex-ficoScore = 710
ex-delinquencies2y = 0
ex-inquiries6m = 1
ex-publicRecords = 0
ex-revolvingUtilisation = 35 %
ex-openAccounts = 6
ex-record = nada, o “me atrasé una vez”
ex-termMonths = 3 años
ex-employmentYears = 4 años
ex-homeOwnership = alquilo
ex-purpose = un auto

## Nombres de los datos (resúmenes, confirmaciones, errores)

field-loanAmount = Cantidad
field-termMonths = Plazo
field-purpose = Finalidad
field-annualIncome = Ingresos anuales
field-employmentYears = Años en el trabajo actual
field-homeOwnership = Vivienda
field-monthlyDebtPayments = Pagos mensuales de deudas
field-ficoScore = Puntuación de crédito
field-delinquencies2y = Pagos atrasados (2 años)
field-inquiries6m = Solicitudes de crédito (6 meses)
field-publicRecords = Registros públicos
field-revolvingUtilisation = Uso del límite de las tarjetas
field-openAccounts = Cuentas de crédito abiertas
field-monthlyIncomeDeposits = Ingresos que entran cada mes
field-monthlySpending = Gasto mensual
field-monthlySavings = Ahorro mensual
field-overdraftMonths12m = Meses con saldo negativo (12 meses)

## Valores

term-months = { $months ->
    [36] 3 años (36 meses)
    [60] 5 años (60 meses)
   *[other] { $months } meses
}
years = { $years ->
    [0] menos de un año
    [one] 1 año
    [10] 10 años o más
   *[other] { $years } años
}
employment-0 = Menos de 1
employment-10 = 10 o más
employment-none = Sin empleo / prefiero no decirlo
count = { $count }
percent = { $value } %
home-RENT = Alquiler
home-MORTGAGE = Hipoteca
home-OWN = Propia y pagada
home-OTHER = Otra
purpose-debt_consolidation = Pagar otras deudas
purpose-credit_card = Pagar tarjetas de crédito
purpose-home_improvement = Mejoras en casa
purpose-major_purchase = Una compra importante
purpose-small_business = Un pequeño negocio
purpose-car = Un auto
purpose-wedding = Una boda
purpose-medical = Gastos médicos
purpose-moving = Una mudanza
purpose-vacation = Unas vacaciones
purpose-house = Comprar una vivienda
purpose-educational = Estudios
purpose-renewable_energy = Energía renovable
purpose-other = Otra cosa
not-given = sin indicar

## Botones

button-skip = Omitir
button-none-of-these = Nada de esto
button-confirm = Confirmar y ver mi decisión
button-evidence = Antes, añadir datos bancarios
button-restart = Empezar de nuevo
button-evidence-file = Subir extracto bancario (CSV)
button-evidence-questions = Responder 4 preguntas rápidas
button-evidence-skip = No, gracias
button-counter = Solicitar { $amount } a { $months } meses
button-english = English
button-spanish = Español

## Entender las respuestas

got-it = Entendido: { $list }.
changed = Cambios: { $list }.
not-understood = Perdón, no te entendí.
choose-or-type = Toca uno de los botones o escribe tu respuesta (por ejemplo: { $example }).
foreign-currency = Solo prestamos en dólares estadounidenses, así que no puedo usar { $text }. Dime la cantidad en dólares estadounidenses; nunca convierto monedas.
skipped = Pregunta omitida: { $field }.
declined-required = Necesito este dato para tomar una decisión: “{ $field }” no se puede omitir.
err-range = { $field }: debe estar entre { $min } y { $max }.
err-at-least = { $field }: debe ser como mínimo { $min }.
err-at-most = { $field }: debe ser como máximo { $max }.
err-whole = { $field }: debe ser un número entero.
err-term = Prestamos a 3 o 5 años (36 o 60 meses); { $months } meses no es un plazo que ofrezcamos. ¿Cuál prefieres?
err-choice = { $field }: elige una de las opciones.
stale-button = Ese botón ya no está activo.
nothing-to-confirm = Ahora mismo no hay nada que confirmar.
already-decided = Ya hay una decisión sobre esta solicitud. Cuéntame sobre un préstamo nuevo o envía /apply.
media-repeat = Aquí solo puedo leer texto.
file-unexpected = No esperaba un archivo en este momento.

## Datos de la cuenta bancaria

evidence-offer = Si quieres, puedes añadir datos de tu cuenta bancaria; pueden ayudar si tienes poco historial crediticio. Nada de esto es obligatorio.
evidence-file-ask = Envía tu extracto bancario como archivo CSV (con columnas como fecha, descripción, cantidad y saldo). Solo guardo los totales mensuales, nunca los movimientos.
evidence-file-waiting = Estoy esperando un archivo CSV (o toca “No, gracias”).
evidence-file-too-large = Ese archivo pesa más de { $megabytes } MB; envía un extracto más corto (con los últimos 12 meses basta).
evidence-file-download-failed = No pude descargar ese archivo. Intenta enviarlo de nuevo.
evidence-file-refused = No pude usar ese extracto: { $rules }. Corrígelo y vuelve a enviarlo, o toca “No, gracias”.
evidence-file-read = Gracias. En { $months } meses: ingresos regulares en { $incomeMonths } de ellos, un gasto de unos { $spending } al mes y { $overdrawnDays } día(s) con saldo negativo. El archivo en sí no se guarda.
alt-q-monthlyIncomeDeposits = En promedio, ¿cuánto dinero entra en tu cuenta bancaria cada mes?
alt-q-monthlySpending = En promedio, ¿cuánto gastas de esa cuenta cada mes?
alt-q-monthlySavings = ¿Cuánto ahorras cada mes (0 si no ahorras nada)?
alt-q-overdraftMonths12m = ¿En cuántos de los últimos 12 meses tu cuenta quedó con saldo negativo?
alt-progress = Pregunta opcional { $step } de { $total }.
ex-monthlyIncomeDeposits = 3.200
ex-monthlySpending = 2.700
ex-monthlySavings = 300
ex-overdraftMonths12m = 0

## Resumen y decisión

summary = Revisa tus respuestas:
summary-statement = Un extracto bancario ({ $months } meses), reducido a indicadores de comportamiento
summary-evidence = Datos de la cuenta bancaria:
summary-not-given = Sin responder: { $list }
checking = Comprobando…
decision-approve = ✅ Aprobada
decision-refer = 🔎 Pasa a revisión por una persona
decision-decline = ❌ Rechazada
decision-score = Puntuación de riesgo: { $score } (categoría { $band }); probabilidad estimada de impago: { $pd }.
decision-offer = Oferta: { $amount } a { $months } meses con una tasa anual (APR) de { $apr }: { $payment } al mes, { $total } en total.
decision-offer-indicative = Oferta orientativa, sujeta a revisión: { $amount } a { $months } meses con una tasa anual (APR) de { $apr }: { $payment } al mes, { $total } en total.
decision-reasons-approve = Lo que más pesó en el riesgo:
decision-reasons = Los motivos principales:
decision-bank = De tu cuenta bancaria:
decision-counter = Podríamos aprobar { $amount } a { $months } meses con una tasa anual (APR) de { $apr } ({ $payment } al mes). Si prefieres solicitar eso, toca el botón de abajo.
decision-refused = No pude usar parte de tu solicitud: { $rules }. Con /apply empiezas de nuevo.
counter-accepted = Aceptada.
counter-already = Esta oferta ya se aceptó: está en tu solicitud { $id } y no se registró nada nuevo.
counter-closed = Esa oferta ya no está disponible; con /apply empiezas una solicitud nueva.

## Motivos (por código)

reason-credit_score = Tu puntuación de crédito es más baja que la de la mayoría de los solicitantes que devolvieron su préstamo.
reason-loan_size = La cantidad solicitada es alta en comparación con tus ingresos.
reason-income = Tus ingresos son más bajos que los de la mayoría de los solicitantes que devolvieron su préstamo.
reason-term = Un plazo de 60 meses implica más riesgo que uno de 36.
reason-debt_burden = Los pagos de tus deudas actuales se llevan una parte grande de tus ingresos.
reason-inquiries = Has solicitado crédito en los últimos 6 meses.
reason-delinquencies = Tu historial crediticio muestra pagos atrasados en los últimos 2 años.
reason-revolving_utilisation = Los saldos de tus tarjetas de crédito son altos en comparación con sus límites.
reason-revolving_balance = Tus saldos de crédito rotativo son altos en comparación con tus ingresos.
reason-accounts = El número o la combinación de tus cuentas de crédito.
reason-public_records = Tu historial crediticio muestra registros públicos, como una quiebra o una sentencia judicial.
reason-employment = Llevas poco tiempo en tu trabajo actual.
reason-home_ownership = En nuestros datos, tu situación de vivienda se asocia con un riesgo más alto.
reason-purpose = Los préstamos para esta finalidad se devuelven con menos frecuencia.
reason-credit_history = Tu historial crediticio es corto.

signal = { $signal } { $direction ->
    [raised] aumentó el riesgo estimado.
   *[lowered] redujo el riesgo estimado.
}
signal-regularIncomeShare = La regularidad con que entran ingresos en tu cuenta
signal-incomeVolatility = La variación de tus ingresos mensuales
signal-spendingVolatility = La variación de tu gasto mensual
signal-essentialShare = La parte de tu gasto que va a facturas del hogar y seguros
signal-savingsRate = La parte de tus ingresos que ahorras
signal-balanceToSpending = Tu saldo habitual en comparación con tu gasto
signal-lowestBalanceToSpending = Tu saldo más bajo en comparación con tu gasto
signal-daysBelowZero = El número de días con la cuenta en saldo negativo
signal-episodesBelowZero = La frecuencia con que tu cuenta quedó con saldo negativo
signal-penaltyCharges = El pago de recargos o comisiones por sobregiro
signal-cashWithdrawalShare = La parte de tu gasto que retiras en efectivo

notice-thin = Historial crediticio escaso: hay poco historial de crédito para evaluar. Añadir datos de tu cuenta bancaria (un extracto o unas pocas respuestas sobre tu cuenta) puede ayudar.
notice-thin-evidence = Historial crediticio escaso: la decisión se apoya en los datos de tu cuenta bancaria, y los del historial crediticio cuentan la mitad.
notice-evidence-unused = Las respuestas sobre tu cuenta bancaria no bastaron para poder usarlas (hacen falta tanto el ahorro como los meses con saldo negativo); no cambiaron la decisión.
notice-evidence-statement = Los datos de tu cuenta bancaria (de un extracto) se sumaron a la estimación basada en tu historial crediticio.
notice-evidence-answers = Los datos de tu cuenta bancaria (de tus respuestas) se sumaron a la estimación basada en tu historial crediticio.
notice-missing = Algunas respuestas opcionales quedaron sin contestar; sin ellas la estimación es más prudente, y responderlas puede cambiar la decisión.

## Errores de nuestra parte

error-ours = Perdón, algo falló por nuestra parte. Tus respuestas hasta ahora se conservan; vuelve a intentarlo en un momento.

## Cuenta y otros mensajes en Telegram

status-none = Todavía no tienes decisiones. Dime qué préstamo necesitas o envía /apply.
status-latest = Tu última solicitud ({ $date }): { $outcome }, puntuación de riesgo { $score }. Referencia: { $id }
outcome-approve = aprobada
outcome-refer = enviada a revisión
outcome-decline = rechazada
outcome-reviewed = { $outcome } (tras la revisión)
forget-ask = Esto borra de Lendwise todas tus solicitudes, decisiones y respuestas. No se puede deshacer. ¿Seguimos?
button-forget-yes = Sí, borrar todo
button-forget-no = No, conservarlas
forget-kept = No se ha borrado nada.
forget-again = Envía /forget otra vez para borrar tus datos.
forget-done = { $count ->
    [one] Hecho: se han borrado 1 solicitud y tus respuestas.
   *[other] Hecho: se han borrado { $count } solicitudes y tus respuestas.
}
unknown-command = No conozco ese comando. /help muestra lo que puedo hacer.
edited-message = He visto que editaste un mensaje. Solo leo mensajes nuevos, así que envía de nuevo la respuesta corregida.
private-only = Solo funciono en chats privados, para que tus respuestas sigan siendo privadas. Escríbeme directamente.
button-inactive = Ese botón ya no está activo.

## Aclaraciones

unchanged = Eso ya lo tenía así: { $list }.
range-ask = Me diste un rango para “{ $field }”: de { $low } a { $high }. ¿Cuál uso?
hint-ficoScore = Necesito el número, entre 300 y 850 (aparece en muchos extractos de tarjeta y en informes de crédito gratuitos).
help-chat = Cuéntame qué necesitas con tus propias palabras o responde las preguntas una a una. /back deshace la última respuesta, /cancel lo detiene todo y /language cambia el idioma.
