# Lendwise conversation, English. Every message, button and error a person sees in the chat.
# Money and numbers arrive formatted for the locale ($amount, $value); plain counts use NUMBER().

## Greeting and commands

intro =
    Hello! I am Lendwise, a loan assistant.
    Tell me in your own words what you need — for example: “I’d like 12k over 3 years to pay off my cards; I make about 55k and rent” — and I will ask only for what is missing. I never ask for your name or address.
    At the end you get a decision at once, the main reasons behind it, and a price.
intro-resume = You have an application in progress — here is where we were:
start-applying = Let’s start. Type your answers in your own words or use the buttons; /back undoes the last answer and /cancel stops.
cancelled = Stopped, and the answers so far are discarded. Tell me what you need whenever you like, or send /apply.
nothing-to-undo = There is no earlier answer to undo.
undone = I removed your answer about { $field }.
idle-hint = Tell me what loan you need (for example “10k over 5 years for a car”), or send /apply to start.
language-changed = I will speak English from now on.
language-choose = Which language would you like?
help-applicant = Tell me what you need in your own words, or use /apply. /back undoes the last answer, /cancel stops, /status shows your latest decision, /forget deletes your data, /language changes the language.

## Questions

q-loanAmount = How much would you like to borrow (in US dollars)?
q-termMonths = Over how long would you like to repay?
q-purpose = What is the loan for?
q-annualIncome = What is your yearly income before tax?
q-employmentYears = How many years have you been in your current job?
q-homeOwnership = Do you rent, have a mortgage, or own your home outright?
q-monthlyDebtPayments = How much do you pay each month on other debts (cards, loans, car finance), not counting rent or mortgage?
q-ficoScore = What is your credit score (FICO, between 300 and 850)?
q-record = In the last 2 years, were you ever 30 or more days late with a payment? In the last 6 months, did you apply for credit? Are there bankruptcies, court judgments or tax liens on your file? If none of these, tap “None of these”; otherwise tell me, e.g. “late once, applied twice”.
q-delinquencies2y = In the last 2 years, how many times were you 30 or more days late with a payment?
q-inquiries6m = How many times have you applied for credit in the last 6 months?
q-publicRecords = How many public records (bankruptcies, court judgments, tax liens) are on your credit file?
q-revolvingUtilisation = Roughly what share of your credit card limits are you using right now?
q-openAccounts = How many credit accounts (cards and loans) do you have open?

example = (For example: { $example })
ex-loanAmount = 12,000 or 12k
ex-annualIncome = 52,000 or 52k
ex-monthlyDebtPayments = 450, or “none”
ex-ficoScore = 710
ex-delinquencies2y = 0
ex-inquiries6m = 1
ex-publicRecords = 0
ex-revolvingUtilisation = 35%
ex-openAccounts = 6
ex-record = none, or “late once”
ex-termMonths = 3 years
ex-employmentYears = 4 years
ex-homeOwnership = rent
ex-purpose = a car

## Field names (summaries, acknowledgements, errors)

field-loanAmount = Amount
field-termMonths = Term
field-purpose = Purpose
field-annualIncome = Yearly income
field-employmentYears = Years in current job
field-homeOwnership = Home
field-monthlyDebtPayments = Monthly debt payments
field-ficoScore = Credit score
field-delinquencies2y = Late payments (2 years)
field-inquiries6m = Credit applications (6 months)
field-publicRecords = Public records
field-revolvingUtilisation = Card limits in use
field-openAccounts = Open credit accounts
field-monthlyIncomeDeposits = Monthly income paid in
field-monthlySpending = Monthly spending
field-monthlySavings = Monthly savings
field-overdraftMonths12m = Months overdrawn (12 months)

## Values

term-months = { $months ->
    [36] 3 years (36 months)
    [60] 5 years (60 months)
   *[other] { $months } months
}
years = { $years ->
    [0] under a year
    [one] 1 year
    [10] 10 years or more
   *[other] { $years } years
}
employment-0 = Under 1
employment-10 = 10 or more
employment-none = Not employed / rather not say
count = { $count }
percent = { $value }%
home-RENT = Rent
home-MORTGAGE = Mortgage
home-OWN = Own outright
home-OTHER = Other
purpose-debt_consolidation = Paying off other debts
purpose-credit_card = Paying off credit cards
purpose-home_improvement = Home improvement
purpose-major_purchase = A major purchase
purpose-small_business = A small business
purpose-car = A car
purpose-wedding = A wedding
purpose-medical = Medical costs
purpose-moving = Moving home
purpose-vacation = A holiday
purpose-house = Buying a house
purpose-educational = Education
purpose-renewable_energy = Renewable energy
purpose-other = Something else
not-given = not given

## Buttons

button-skip = Skip
button-none-of-these = None of these
button-confirm = Confirm and get my decision
button-evidence = Add bank-account evidence first
button-restart = Start again
button-evidence-file = Upload a CSV bank statement
button-evidence-questions = Answer 4 quick questions
button-evidence-skip = No, thanks
button-counter = Apply for { $amount } over { $months } months
button-english = English
button-spanish = Español

## Understanding answers

got-it = Got it — { $list }.
changed = Changed: { $list }.
not-understood = Sorry, I did not catch that.
choose-or-type = Tap one of the buttons, or type your answer (for example: { $example }).
foreign-currency = We lend in US dollars only, so I cannot use { $text }. Please tell me the amount in US dollars — I never convert currencies.
skipped = Skipped: { $field }.
declined-required = I need this one to make a decision: { $field } cannot be skipped.
err-range = { $field } must be between { $min } and { $max }.
err-at-least = { $field } must be at least { $min }.
err-at-most = { $field } must be at most { $max }.
err-whole = { $field } must be a whole number.
err-term = We lend over 3 or 5 years (36 or 60 months); { $months } months is not something we offer. Which would you like?
err-choice = { $field }: please pick one of the options.
stale-button = That button is no longer active.
nothing-to-confirm = There is nothing to confirm right now.
already-decided = This application has already been decided. Tell me about a new loan, or send /apply.
media-repeat = I can only read text here.
file-unexpected = I was not expecting a file just now.

## Bank-account evidence

evidence-offer = Optionally, you can add evidence from your bank account — it can help if your credit history is thin. Nothing here is required.
evidence-file-ask = Send your bank statement as a CSV file (columns such as date, description, amount and balance). I only keep the monthly totals, never the transactions.
evidence-file-waiting = I am waiting for a CSV file (or tap “No, thanks”).
evidence-file-too-large = That file is larger than { $megabytes } MB; please send a shorter statement (the last 12 months is plenty).
evidence-file-download-failed = I could not download that file. Please try sending it again.
evidence-file-refused = I could not use that statement: { $rules }. Please fix it and send it again, or tap “No, thanks”.
evidence-file-read = Thanks — over { $months } months: regular income in { $incomeMonths } of them, about { $spending } spent a month, { $overdrawnDays } day(s) overdrawn. The file itself is not kept.
alt-q-monthlyIncomeDeposits = On average, how much is paid into your bank account each month?
alt-q-monthlySpending = On average, how much do you spend from it each month?
alt-q-monthlySavings = How much do you put aside each month (0 if nothing)?
alt-q-overdraftMonths12m = In how many of the last 12 months did your account go overdrawn?
alt-progress = Optional { $step } of { $total }.
ex-monthlyIncomeDeposits = 3,200
ex-monthlySpending = 2,700
ex-monthlySavings = 300
ex-overdraftMonths12m = 0

## Summary and decision

summary = Please check your answers:
summary-statement = A bank statement ({ $months } months), reduced to behavioural features
summary-evidence = Bank-account evidence:
summary-not-given = Not given: { $list }
checking = Checking…
decision-approve = ✅ Approved
decision-refer = 🔎 Referred to a person for review
decision-decline = ❌ Declined
decision-score = Risk score: { $score } (band { $band }); estimated chance of not repaying: { $pd }.
decision-offer = Offer: { $amount } over { $months } months at { $apr } APR — { $payment } a month, { $total } in total.
decision-offer-indicative = Indicative offer, subject to review: { $amount } over { $months } months at { $apr } APR — { $payment } a month, { $total } in total.
decision-reasons-approve = What weighed most on the risk:
decision-reasons = The main reasons:
decision-bank = From your bank account:
decision-counter = We could approve { $amount } over { $months } months at { $apr } APR ({ $payment } a month). Tap below to apply for that instead.
decision-refused = I could not use part of your application: { $rules }. /apply starts again.
counter-accepted = Accepted.
counter-already = This offer was already accepted: your application { $id } holds it, and nothing new was booked.
counter-closed = That offer is no longer open; /apply starts a new application.

## Reasons (by code)

reason-credit_score = Your credit score is lower than that of most applicants who repaid.
reason-loan_size = The amount asked for is high compared with your income.
reason-income = Your income is lower than that of most applicants who repaid.
reason-term = A 60-month term carries more risk than a 36-month one.
reason-debt_burden = Your existing debt payments take a large share of your income.
reason-inquiries = You have applied for credit in the last 6 months.
reason-delinquencies = Your credit file shows late payments in the last 2 years.
reason-revolving_utilisation = Your credit card balances are high compared with their limits.
reason-revolving_balance = Your revolving balances are high compared with your income.
reason-accounts = The number or mix of your credit accounts.
reason-public_records = Your credit file shows public records, such as a bankruptcy or judgment.
reason-employment = Your time in your current job is short.
reason-home_ownership = Your housing situation is linked with higher risk in our data.
reason-purpose = Loans for this purpose are repaid less often.
reason-credit_history = Your credit history is short.

signal = { $signal } { $direction ->
    [raised] raised the estimated risk.
   *[lowered] lowered the estimated risk.
}
signal-regularIncomeShare = How regularly income is paid into your account
signal-incomeVolatility = How much your monthly income varies
signal-spendingVolatility = How much your monthly spending varies
signal-essentialShare = The share of your spending on household bills and insurance
signal-savingsRate = How much of your income you keep
signal-balanceToSpending = Your usual balance compared with your spending
signal-lowestBalanceToSpending = Your lowest balance compared with your spending
signal-daysBelowZero = The days your account was overdrawn
signal-episodesBelowZero = How often your account went overdrawn
signal-penaltyCharges = Penalty or overdraft charges
signal-cashWithdrawalShare = The share of your spending taken out as cash

notice-thin = Thin credit file: there is little credit history to judge from. Adding bank-account evidence (a statement or a few answers about your account) can help.
notice-thin-evidence = Thin credit file: the decision leans on your bank-account evidence, with the credit-file evidence counted at half weight.
notice-evidence-unused = The bank-account answers given were not enough to use (savings and months overdrawn are both needed); they did not change the decision.
notice-evidence-statement = Bank-account evidence (from a statement) was added to the credit-file estimate.
notice-evidence-answers = Bank-account evidence (from your answers) was added to the credit-file estimate.
notice-missing = Some optional answers were not given; without them the estimate is more cautious, and answering them can change the decision.

## Errors from our side

error-ours = Sorry, something went wrong on our side. Your answers so far are kept; please try again in a moment.

## Account and other messages on Telegram

status-none = You have no decisions yet. Tell me what loan you need, or send /apply.
status-latest = Your latest application ({ $date }): { $outcome }, risk score { $score }. Reference: { $id }
outcome-approve = approved
outcome-refer = referred for review
outcome-decline = declined
outcome-reviewed = { $outcome } (after review)
forget-ask = This deletes all your applications, decisions and answers from Lendwise. It cannot be undone. Go ahead?
button-forget-yes = Yes, delete everything
button-forget-no = No, keep them
forget-kept = Nothing was deleted.
forget-again = Send /forget again to delete your data.
forget-done = { $count ->
    [one] Done: 1 application and your answers are deleted.
   *[other] Done: { $count } applications and your answers are deleted.
}
unknown-command = I do not know that command. /help lists what I can do.
edited-message = I saw that you edited a message. I only read new messages, so please send the corrected answer again.
private-only = I only work in private chats, to keep your answers private. Please message me directly.
button-inactive = That button is no longer active.

## Clarifications

unchanged = That is what I have already — { $list }.
range-ask = You gave a range for { $field }: { $low } to { $high }. Which should I use?
hint-ficoScore = I need the number itself, between 300 and 850 (many card statements and free credit reports show it).
help-chat = Tell me what you need in your own words, or answer the questions one by one. /back undoes the last answer, /cancel stops, /language changes the language.
