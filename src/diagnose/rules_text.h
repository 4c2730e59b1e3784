/*
 * rules_text: what each diagnosis rule says, in English and Russian.
 *
 * Private to diagnose.c. {1}..{9} are filled from the capture; each rule's
 * comment lists what its placeholders hold. Keep both languages saying the
 * same facts; a test checks that every rule id has both.
 */
#ifndef SW_RULES_TEXT_H
#define SW_RULES_TEXT_H

typedef struct rule_text {
    const char *id;
    const char *title[2], *cause[2], *impact[2], *advice[2];
} rule_text;

typedef struct evidence_text {
    const char *key;
    const char *text[2];
} evidence_text;

static const rule_text RULE_TEXTS[] = {
    /* {1} method {2} first final # {3} its status {4} retransmission # {5} sender {6} receiver */
    {"481-duplicate-request",
     {"481 to a repeated {1}: harmless", "481 на повтор {1}: безвредно"},
     {"{1} was answered with {3} (message {2}). A copy of it sent again (message {4}) reached "
      "{6} after it had already finished the transaction, so {6} answered the copy with 481. "
      "A sender repeats a request when the response is lost or late.",
      "{1} получил ответ {3} (сообщение {2}). Повторная копия (сообщение {4}) пришла на {6} "
      "уже после завершения транзакции, и {6} ответил на неё 481. Отправитель повторяет запрос, "
      "когда ответ потерялся или задержался."},
     {"None: the original request succeeded.", "Никакого: исходный запрос выполнен."},
     {"Nothing to fix. If it happens often, look for loss of responses on the way back to {5} "
      "(firewall or NAT timeouts, dropped UDP fragments).",
      "Исправлять нечего. Если это частое явление, ищите потерю ответов на пути к {5} (таймауты "
      "межсетевого экрана или NAT, потерянные UDP-фрагменты)."}},
    /* {1} CANCEL # {2} INVITE final status {3} its # {4} sender {5} receiver {6} why */
    {"481-cancel-no-transaction",
     {"CANCEL answered 481: nothing left to cancel", "CANCEL получил 481: отменять уже нечего"},
     {"The CANCEL at message {1} found no INVITE transaction to stop at {5}. {6}",
      "CANCEL (сообщение {1}) не нашёл на {5} транзакции INVITE, которую можно остановить. {6}"},
     {"If the INVITE was answered, the call is up and has to be ended with a BYE; otherwise "
      "the caller's hang-up did not reach the callee, which may keep ringing.",
      "Если на INVITE ответили, вызов установлен и его нужно завершать через BYE; иначе отбой "
      "звонящего не дошёл до вызываемого, и тот может продолжать звонить."},
     {"For the race: check that {4} sent an ACK and then a BYE. Otherwise check that the CANCEL "
      "copies the INVITE's top Via branch, Call-ID, From, To and CSeq number (RFC 3261 section "
      "9.1) and takes the same path as the INVITE.",
      "При гонке проверьте, что {4} отправил ACK, а затем BYE. Иначе проверьте, что CANCEL "
      "повторяет верхнюю ветку Via, Call-ID, From, To и номер CSeq исходного INVITE (RFC 3261, "
      "раздел 9.1) и идёт тем же путём."}},
    /* {1} SUBSCRIBE # {2} event {3} registration note {4} sender {5} receiver {6} why it is gone */
    {"481-subscription-refresh",
     {"SUBSCRIBE refresh answered 481: the subscription is gone",
      "Обновление SUBSCRIBE получило 481: подписки больше нет"},
     {"The SUBSCRIBE at message {1} refers to a subscription (event {2}) that {5} no longer "
      "has: {6}{3}",
      "SUBSCRIBE (сообщение {1}) относится к подписке (событие {2}), которой у {5} уже нет: "
      "{6}{3}"},
     {"{4} stops getting notifications (presence and BLF lamps, message-waiting indication) "
      "until it subscribes again from scratch.",
      "{4} перестаёт получать уведомления (присутствие и лампы BLF, индикатор голосовой почты), "
      "пока не подпишется заново."},
     {"A client should answer this 481 with a new SUBSCRIBE without a To tag; check that {4} "
      "does, and compare its refresh interval with the Expires the server grants.",
      "Клиент должен ответить на такой 481 новым SUBSCRIBE без тега To; проверьте, что {4} так "
      "и делает, и сравните его интервал обновления с Expires, который выдаёт сервер."}},
    /* {1} NOTIFY # {2} REFER/SUBSCRIBE {3} its # {4} what ended it {5} its #
     * {6} linked-leg sentence {7} sender {8} receiver {9} transfer pattern sentence */
    {"481-notify-after-subscription-ended",
     {"NOTIFY answered 481: its subscription had already ended",
      "NOTIFY получил 481: его подписка уже закончилась"},
     {"The NOTIFY at message {1} reports on the subscription that the {2} at message {3} "
      "created, but {4} at message {5} had already ended it, so {8} had forgotten it and "
      "answered 481.{9}{6}",
      "NOTIFY (сообщение {1}) сообщает о подписке, созданной {2} (сообщение {3}), но её уже "
      "завершил {4} (сообщение {5}), поэтому {8} её забыл и ответил 481.{9}{6}"},
     {"Cosmetic for the call: only the progress report was lost. Call recorders and monitors "
      "that count every 481 as a failure report a problem that is not there.",
      "Для разговора — косметика: потерялось только уведомление о ходе. Системы записи и "
      "мониторинга, которые считают каждый 481 ошибкой, видят проблему, которой нет."},
     {"Nothing is broken. To avoid the 481: let the transferor wait for the final NOTIFY "
      "before it sends BYE, or have the REFER ask for no progress reports (Refer-Sub: false, "
      "RFC 4488). Tell the recorder to ignore 481 answers to NOTIFY sent after a BYE, and to "
      "follow the linked call.",
      "Ничего не сломано. Чтобы 481 не было: пусть переводящая сторона дожидается последнего "
      "NOTIFY перед отправкой BYE, или REFER просит не присылать уведомлений (Refer-Sub: false, "
      "RFC 4488). Системе записи стоит не считать ошибкой 481 на NOTIFY после BYE и следовать "
      "за связанным вызовом."}},
    /* {1} method {2} request # {3} what ended the dialog {4} its # {5} sender {6} receiver */
    {"481-after-dialog-ended",
     {"{1} answered 481: its dialog had already ended",
      "{1} получил 481: его диалог уже завершён"},
     {"{1} (message {2}) was sent in a dialog that {3} had already ended at message {4}. {6} "
      "had dropped the dialog, so it could only answer 481.",
      "{1} (сообщение {2}) отправлен в диалоге, который уже завершил {3} (сообщение {4}). {6} "
      "удалил диалог и мог ответить только 481."},
     {"Usually none for the call, which was over; what the request asked for did not happen.",
      "Обычно для вызова никакого: он уже закончился; то, что просил запрос, не выполнено."},
     {"Find out why {5} still sent {1} after the end: a timer that was not stopped (session "
      "refresh, keep-alive), both ends hanging up at once, or a B2BUA that did not pass the end "
      "of the dialog on.",
      "Выясните, почему {5} отправил {1} после завершения: не остановленный таймер (продление "
      "сеанса, keep-alive), одновременный отбой с двух сторон или B2BUA, не передавший "
      "завершение диалога."}},
    /* {1} method {2} request # {3} why sentence {4} effect sentence {5} sender {6} receiver */
    {"481-unknown-dialog",
     {"{1} answered 481: the receiver knows no such dialog",
      "{1} получил 481: получатель не знает такого диалога"},
     {"{1} (message {2}) names a dialog (Call-ID and tags) that {6} does not have.{3}",
      "{1} (сообщение {2}) ссылается на диалог (Call-ID и теги), которого у {6} нет.{3}"},
     {"{4}", "{4}"},
     {"Capture from the start of the call, on both sides of any SBC. Compare Call-ID and tags "
      "before and after each hop, turn off SIP ALG on routers, and check whether {6} restarted "
      "or failed over.",
      "Записывайте с начала вызова и по обе стороны SBC. Сравните Call-ID и теги до и после "
      "каждого узла, отключите SIP ALG на маршрутизаторах, проверьте, не перезапускался ли {6} "
      "и не переключался ли на резерв."}},
    /* {1} status {2} its # {3} client {4} method */
    {"auth-stale-nonce",
     {"Authentication used an expired nonce", "Аутентификация с устаревшим nonce"},
     {"{1} (message {2}) tells {3} that its credentials were computed for a nonce the server no "
      "longer accepts (stale). The password may well be right. Common reasons: clocks that "
      "differ between servers sharing nonces, a short nonce lifetime, or a client that reuses "
      "an old nonce.",
      "{1} (сообщение {2}) сообщает {3}, что учётные данные вычислены для nonce, который сервер "
      "больше не принимает (stale). Пароль при этом может быть верным. Частые причины: разное "
      "время на серверах с общими nonce, короткий срок жизни nonce или клиент, повторно "
      "использующий старый nonce."},
     {"A client that retries with the new nonce succeeds; one that does not keeps failing its "
      "{4}.",
      "Клиент, повторивший запрос с новым nonce, проходит; не повторивший продолжает получать "
      "отказ на {4}."},
     {"Check that {3} answers the new challenge, the nonce lifetime on the server, and that all "
      "servers keep time with NTP.",
      "Проверьте, что {3} отвечает на новый вызов аутентификации, срок жизни nonce на сервере и "
      "синхронизацию времени (NTP) на всех серверах."}},
    /* {1} method {2} client {3} user {4} realm {5} request # {6} status {7} its # {8} kb */
    {"auth-wrong-credentials",
     {"Credentials rejected for {1} from {2}", "Учётные данные {2} для {1} отклонены"},
     {"{1} from {2} carried credentials (user \"{3}\", realm \"{4}\") at message {5} and was "
      "answered {6} at message {7}: the server did not accept them. {8}",
      "{1} от {2} содержал учётные данные (пользователь «{3}», realm «{4}»), сообщение {5}, и "
      "получил ответ {6} (сообщение {7}): сервер их не принял. {8}"},
     {"{1} cannot succeed. A device that keeps retrying may get banned (fail2ban) and then gets "
      "no answer at all.",
      "{1} не может пройти. Устройство, которое продолжает повторять попытки, может попасть в "
      "бан (fail2ban) и перестать получать ответы вообще."},
     {"Check user name, authentication user and password on the device and on the server, and "
      "the realm. Some older phones cut passwords longer than 12 characters: try a shorter one. "
      "On Asterisk, look in /var/log/asterisk/full for 'Wrong password' or 'Device does not "
      "match ACL', and check fail2ban's list of banned addresses.",
      "Проверьте имя пользователя, имя для аутентификации и пароль на устройстве и на сервере, "
      "а также realm. Некоторые старые телефоны обрезают пароли длиннее 12 символов: попробуйте "
      "более короткий. В Asterisk ищите в /var/log/asterisk/full «Wrong password» или «Device "
      "does not match ACL» и проверьте список заблокированных адресов fail2ban."}},
    /* {1} method {2} client {3} challenge status {4} its # {5} server */
    {"auth-no-credentials",
     {"{1} from {2} never answered the challenge", "{2} не ответил на запрос аутентификации для {1}"},
     {"{5} challenged the {1} with {3} (message {4}), and no {1} with credentials followed in "
      "the capture.",
      "{5} запросил аутентификацию для {1} ответом {3} (сообщение {4}), и повторного {1} с "
      "учётными данными в записи нет."},
     {"The {1} did not go through.", "{1} не выполнен."},
     {"Configure credentials for this server on {2}. If the request should not need them, "
      "check how the server recognises trusted peers (IP-based trunks, ACL, matching by "
      "address instead of user).",
      "Настройте учётные данные для этого сервера на {2}. Если запрос не должен требовать "
      "аутентификации, проверьте, как сервер распознаёт доверенные узлы (транки по IP-адресу, "
      "ACL, сопоставление по адресу вместо пользователя)."}},
    /* {1} code {2} phrase {3} AOR {4} client {5} final # {6} kb meaning {7} kb checks */
    {"registration-rejected",
     {"Registration of {3} rejected: {1} {2}", "Регистрация {3} отклонена: {1} {2}"},
     {"REGISTER for {3} from {4} was answered {1} {2} at message {5}. {6}",
      "REGISTER для {3} от {4} получил ответ {1} {2} (сообщение {5}). {6}"},
     {"{4} is not registered: calls to it fail, and the server may refuse its outgoing calls.",
      "{4} не зарегистрирован: вызовы на него не проходят, и сервер может не пропускать его "
      "исходящие вызовы."},
     {"{7} Check that the account exists and is enabled, the allowed networks (ACL), and "
      "whether fail2ban banned {4} after failed attempts.",
      "{7} Проверьте, что учётная запись существует и включена, разрешённые сети (ACL) и не "
      "заблокировал ли fail2ban {4} после неудачных попыток."}},
    /* {1} AOR {2} Expires asked {3} Min-Expires {4} client */
    {"registration-interval-too-brief",
     {"Registration interval too brief for {1}", "Слишком короткий интервал регистрации {1}"},
     {"{4} asked to register {1} for {2} s; the registrar wants at least {3} s (423 Interval Too "
      "Brief, Min-Expires).",
      "{4} запросил регистрацию {1} на {2} с; регистратор требует не менее {3} с (423 Interval "
      "Too Brief, Min-Expires)."},
     {"Each such REGISTER fails; a client that does not retry with the longer interval stays "
      "unregistered.",
      "Каждый такой REGISTER отклоняется; клиент, который не повторяет запрос с большим "
      "интервалом, остаётся без регистрации."},
     {"Set the registration interval on {4} to at least {3} s, or lower Min-Expires on the "
      "registrar.",
      "Установите на {4} интервал регистрации не меньше {3} с или уменьшите Min-Expires на "
      "регистраторе."}},
    /* {1} AOR {2} last 2xx # {3} expires {4} client {5} seconds past expiry */
    {"registration-expired",
     {"Registration of {1} expired without refresh", "Регистрация {1} истекла без обновления"},
     {"{1} was registered at message {2} for {3} s; the capture goes on {5} s past the expiry "
      "and {4} never refreshed it.",
      "{1} был зарегистрирован (сообщение {2}) на {3} с; запись продолжается ещё {5} с после "
      "истечения, а {4} так и не обновил регистрацию."},
     {"After expiry the registrar forgets the contact: calls to {1} fail (often 404 or 480).",
      "После истечения регистратор забывает контакт: вызовы на {1} не проходят (часто 404 или "
      "480)."},
     {"Check that {4} is alive and reachable, its re-registration timer, and NAT bindings that "
      "close before the refresh (use a shorter interval or keep-alives).",
      "Проверьте, что {4} работает и доступен, его таймер перерегистрации и NAT-трансляции, "
      "которые закрываются раньше обновления (уменьшите интервал или включите keep-alive)."}},
    /* {1} method {2} server {3} request # {4} tries {5} seconds {6} client */
    {"no-response",
     {"{1} to {2} got no response", "{1} на {2} остался без ответа"},
     {"{1} (message {3}) was sent {4} times over {5} s and nothing came back from {2}.",
      "{1} (сообщение {3}) отправлен {4} раз за {5} с, и от {2} ничего не пришло."},
     {"The {1} failed after its timer ran out (32 s for INVITE: timer B).",
      "{1} не выполнен после истечения таймера (32 с для INVITE: таймер B)."},
     {"Check that {2} is up and listening on that transport and port, firewalls and security "
      "groups between {6} and {2}, DNS/SRV answers that point to the wrong address, and a "
      "UDP/TCP mismatch.",
      "Проверьте, что {2} работает и слушает этот транспорт и порт, межсетевые экраны между {6} "
      "и {2}, записи DNS/SRV, указывающие на неверный адрес, и несовпадение UDP/TCP."}},
    /* {1} method {2} status {3} its # {4} server {5} kb meaning */
    {"request-timeout",
     {"{1} timed out: {2}", "Тайм-аут {1}: {2}"},
     {"{4} answered {2} at message {3}. {5}", "{4} ответил {2} (сообщение {3}). {5}"},
     {"The {1} failed.", "{1} не выполнен."},
     {"Follow the request past {4}: which next hop did not answer? Check that hop's "
      "reachability, registrations behind it, and DNS.",
      "Проследите запрос дальше {4}: какой следующий узел не ответил? Проверьте его "
      "доступность, регистрации за ним и DNS."}},
    /* {1} method {2} 482 # {3} server */
    {"loop-detected",
     {"{1} looped (482 Loop Detected)", "{1} зациклился (482 Loop Detected)"},
     {"{3} saw the {1} come back to itself (its own Via already in the request) and answered "
      "482 at message {2}.",
      "{3} получил {1} повторно (его собственный Via уже был в запросе) и ответил 482 "
      "(сообщение {2})."},
     {"The {1} failed.", "{1} не выполнен."},
     {"Check the routing between the servers: two proxies forwarding to each other, a "
      "dial plan that sends the call back where it came from, or a missing loop check on a "
      "B2BUA.",
      "Проверьте маршрутизацию между серверами: два прокси пересылают запрос друг другу, план "
      "набора отправляет вызов обратно или на B2BUA нет защиты от петель."}},
    /* {1} method {2} 483 # {3} Max-Forwards seen {4} server */
    {"too-many-hops",
     {"{1} ran out of hops (483 Too Many Hops)", "{1} исчерпал число переходов (483 Too Many Hops)"},
     {"{4} received the {1} with Max-Forwards {3} and answered 483 at message {2}: the request "
      "went through more proxies than allowed, usually because of a routing loop.",
      "{4} получил {1} с Max-Forwards {3} и ответил 483 (сообщение {2}): запрос прошёл больше "
      "прокси, чем разрешено, обычно из-за петли маршрутизации."},
     {"The {1} failed.", "{1} не выполнен."},
     {"Look at the Via headers of the request for the hops it took, and fix the loop; raise "
      "Max-Forwards only if the path is really that long.",
      "Посмотрите заголовки Via запроса, чтобы увидеть пройденные узлы, и устраните петлю; "
      "увеличивайте Max-Forwards, только если путь действительно такой длинный."}},
    /* {1} method {2} status {3} its # {4} server {5} Retry-After {6} kb meaning */
    {"server-overload",
     {"{4} refused {1}: overloaded or over a limit ({2})",
      "{4} отклонил {1}: перегрузка или превышен лимит ({2})"},
     {"{4} answered {2} at message {3} (Retry-After: {5}). {6}",
      "{4} ответил {2} (сообщение {3}, Retry-After: {5}). {6}"},
     {"The {1} failed; more will fail while the condition lasts.",
      "{1} не выполнен; пока состояние сохраняется, будут отклоняться и другие."},
     {"Check the server's load and its limits (calls per second, concurrent calls, account "
      "quotas), whether the trunk or account is disabled, and honour Retry-After before "
      "retrying.",
      "Проверьте нагрузку сервера и его лимиты (вызовов в секунду, одновременных вызовов, "
      "квоты учётной записи), не отключены ли транк или учётная запись, и соблюдайте "
      "Retry-After перед повтором."}},
    /* {1} method {2} 422 # {3} server */
    {"session-timer",
     {"Session timer interval too small (422)", "Слишком малый интервал сессионного таймера (422)"},
     {"{3} answered the {1} with 422 Session Interval Too Small at message {2}: the "
      "Session-Expires asked for is below its Min-SE.",
      "{3} ответил на {1} кодом 422 Session Interval Too Small (сообщение {2}): запрошенный "
      "Session-Expires меньше его Min-SE."},
     {"The {1} fails unless it is retried with a longer interval.",
      "{1} не проходит, пока его не повторят с большим интервалом."},
     {"Raise Session-Expires on the caller to at least the Min-SE in the 422, or lower Min-SE "
      "on {3}.",
      "Увеличьте Session-Expires у вызывающей стороны не меньше Min-SE из ответа 422 или "
      "уменьшите Min-SE на {3}."}},
    /* The same id, another situation: a BYE when the session interval ran out.
     * {1} interval (s) {2} status of the 2xx {3} its # {4} refresher (host)
     * {5} BYE sender {6} BYE # {7} seconds from the last refresh to the BYE
     * {8} refresh attempts that failed (a sentence, or "") */
    {"session-timer:expiry",
     {"Call ended by the session timer after {7}", "Вызов завершён сессионным таймером через {7}"},
     {"The {2} at message {3} set a session interval of {1} s (Session-Expires) with {4} as the "
      "refresher. No re-INVITE or UPDATE was answered with 2xx after it,{8} and {5} sent BYE at "
      "message {6}, {7} later: just when the session expired (RFC 4028 section 10).",
      "{2} (сообщение {3}) установил интервал сессии {1} с (Session-Expires), обновлять сессию "
      "должен {4}. После этого ни один re-INVITE или UPDATE не получил ответа 2xx,{8} и {5} "
      "отправил BYE (сообщение {6}) через {7}, ровно когда сессия истекла (RFC 4028, раздел 10)."},
     {"The call was cut off by the timer, not by a person: calls that always drop after the same "
      "time are the sign.",
      "Вызов оборвал таймер, а не абонент: признак этого - вызовы, которые всегда обрываются "
      "через одно и то же время."},
     {"Find out why {4} did not refresh: it must support timers (Supported: timer) and send a "
      "re-INVITE or UPDATE before half the interval; the refresh must reach the other side "
      "(Contact, Record-Route, NAT) and be answered with 2xx. To work around it, raise "
      "Session-Expires or turn session timers off on one side (Asterisk PJSIP: timers=no on the "
      "endpoint; FreeSWITCH: enable-timer=false in the SIP profile).",
      "Выясните, почему {4} не обновил сессию: он должен поддерживать таймеры (Supported: timer) и "
      "отправлять re-INVITE или UPDATE до истечения половины интервала; обновление должно дойти "
      "до другой стороны (Contact, Record-Route, NAT) и получить ответ 2xx. Обходной путь: "
      "увеличьте Session-Expires или отключите сессионные таймеры на одной из сторон (Asterisk "
      "PJSIP: timers=no у endpoint; FreeSWITCH: enable-timer=false в SIP-профиле)."}},
    /* {1} method {2} what is wrong {3} message # {4} receiver {5} sender */
    {"malformed-message",
     {"Malformed SIP: {2}", "Некорректный SIP: {2}"},
     {"The {1} at message {3} (from {5} to {4}) does not follow the SIP grammar: {2}. A strict "
      "receiver rejects it (400 Bad Request) or drops it silently.",
      "{1} (сообщение {3}, от {5} к {4}) нарушает синтаксис SIP: {2}. Строгий получатель "
      "отклоняет такое сообщение (400 Bad Request) или молча отбрасывает его."},
     {"The message may be ignored by the receiver.", "Получатель может проигнорировать сообщение."},
     {"Look at the raw message (sipwhy show INPUT {3}); fix the software or the header "
      "manipulation (SBC, ALG) that produced it.",
      "Посмотрите сообщение целиком (sipwhy show INPUT {3}) и исправьте ПО или правила "
      "изменения заголовков (SBC, ALG), которые его сформировали."}},
    /* {1} status {2} its # {3} server {4} kb meaning {5} kb checks {6} callee */
    {"call-rejected",
     {"Call to {6} rejected: {1}", "Вызов на {6} отклонён: {1}"},
     {"{3} answered the INVITE with {1} at message {2}. {4}",
      "{3} ответил на INVITE кодом {1} (сообщение {2}). {4}"},
     {"The call was not set up.", "Вызов не установлен."},
     {"{5}", "{5}"}},
    /* {1} method {2} bytes {3} fragmentation note {4} sender */
    {"udp-message-too-large",
     {"Large SIP request over UDP ({2} bytes)", "Большой SIP-запрос по UDP ({2} байт)"},
     {"{4} sent a {1} of {2} bytes over UDP{3}. RFC 3261 (section 18.1.1) asks for TCP when a "
      "request comes within 200 bytes of the path MTU, because IP fragments get lost and many "
      "firewalls and NAT devices drop them.",
      "{4} отправил {1} размером {2} байт по UDP{3}. RFC 3261 (раздел 18.1.1) требует TCP, "
      "если запрос ближе чем на 200 байт к MTU пути: IP-фрагменты теряются, и многие "
      "межсетевые экраны и NAT их отбрасывают."},
     {"Requests like this one may vanish on some paths: calls fail with no response at all.",
      "Такие запросы на некоторых путях пропадают: вызовы завершаются без всякого ответа."},
     {"Use TCP for this peer, or shrink the message (fewer codecs in the SDP, fewer or shorter "
      "headers).",
      "Используйте TCP для этого узла или уменьшите сообщение (меньше кодеков в SDP, меньше или "
      "короче заголовки)."}},
    /* {1} status {2} its # {3} server {4} offered codecs {5} callee codecs sentence {6} client */
    {"codec-mismatch",
     {"No common codec: {1}", "Нет общего кодека: {1}"},
     {"{6} offered {4} in the INVITE; {3} answered {1} at message {2}, so none of these was "
      "acceptable to it.{5}",
      "{6} предложил в INVITE {4}; {3} ответил {1} (сообщение {2}), то есть ни один из них ему "
      "не подошёл.{5}"},
     {"The call was not set up.", "Вызов не установлен."},
     {"Enable at least one codec on both sides (G.711 PCMU/PCMA is the usual common ground), "
      "check transcoding on the PBX or SBC between them, and check ptime, telephone-event and "
      "SRTP settings (RTP/AVP vs RTP/SAVP), which also make an offer unacceptable.",
      "Включите хотя бы один общий кодек на обеих сторонах (обычно это G.711 PCMU/PCMA), "
      "проверьте транскодирование на АТС или SBC между ними, а также ptime, telephone-event и "
      "SRTP (RTP/AVP или RTP/SAVP): они тоже делают предложение неприемлемым."}},
    /* {1} 2xx # {2} times sent {3} callee {4} Contact of the 2xx {5} " (BYE at message N)" {6} caller */
    {"missing-ack",
     {"200 OK never acknowledged: ACK lost", "200 OK не подтверждён: ACK потерян"},
     {"{3} answered the INVITE at message {1} and sent the 200 OK {2} times, because no ACK "
      "reached it. {6} should send the ACK to the Contact of the 200 OK ({4}) along the "
      "Record-Route set; when that address is private, unreachable through NAT, or a proxy "
      "drops it from the route, the ACK never arrives.",
      "{3} ответил на INVITE (сообщение {1}) и отправил 200 OK {2} раз, потому что ACK до "
      "него не дошёл. {6} должен отправить ACK на Contact из 200 OK ({4}) с учётом "
      "Record-Route; если этот адрес частный, недоступен через NAT или прокси выпадает из "
      "маршрута, ACK не доходит."},
     {"After 32 s without ACK the callee gives up and ends the call{5}: the typical 'call "
      "drops after about 30 seconds'.",
      "Через 32 с без ACK вызываемая сторона сдаётся и завершает вызов{5}: типичный «обрыв "
      "примерно через 30 секунд»."},
     {"Check the Contact of the 200 OK ({4}): it must be reachable from {6}. Fix NAT handling "
      "(the SBC or PBX should rewrite Contact, e.g. nat=force_rport,comedia / "
      "rewrite_contact), make sure every proxy that Record-Routes also routes the ACK, and "
      "look for a firewall dropping it.",
      "Проверьте Contact в 200 OK ({4}): он должен быть доступен с {6}. Исправьте обработку "
      "NAT (SBC или АТС должны переписывать Contact, например nat=force_rport,comedia / "
      "rewrite_contact), убедитесь, что каждый прокси с Record-Route пропускает и ACK, и "
      "проверьте межсетевой экран."}},
    /* {1} sender {2} where (Via/Contact/SDP list) {3} private addresses {4} rport note */
    {"nat-private-address",
     {"Private addresses from {1}: NAT not handled", "Частные адреса от {1}: NAT не учтён"},
     {"Packets from {1} carry private or link-local addresses in {2} ({3}), which differ from "
      "the address they came from: the device is behind NAT and does not know its public "
      "address.{4}",
      "Пакеты от {1} содержат частные или link-local адреса в {2} ({3}), которые не совпадают "
      "с адресом отправителя: устройство находится за NAT и не знает свой внешний адрес.{4}"},
     {"Responses, in-dialog requests and RTP sent to those addresses get lost: one-way or no "
      "audio, calls that drop after 32 s, registrations that only work one way.",
      "Ответы, запросы внутри диалога и RTP, отправленные на эти адреса, теряются: звук в одну "
      "сторону или его нет, обрывы через 32 с, регистрация «работает только в одну сторону»."},
     {"Handle NAT on the server side (Asterisk: direct_media=no, rtp_symmetric, force_rport, "
      "rewrite_contact; Kamailio: nathelper fix_nated_contact/fix_nated_sdp with rtpengine), "
      "or configure the device with its public address or STUN. Turn off SIP ALG on the "
      "router: it often makes this worse.",
      "Учитывайте NAT на стороне сервера (Asterisk: direct_media=no, rtp_symmetric, "
      "force_rport, rewrite_contact; Kamailio: nathelper fix_nated_contact/fix_nated_sdp и "
      "rtpengine) или настройте на устройстве внешний адрес либо STUN. Отключите SIP ALG на "
      "маршрутизаторе: он часто делает только хуже."}},
    /* {1} source {2} requests {3} distinct users {4} failures {5} user agent note */
    {"scanner-activity",
     {"Scanning from {1}", "Сканирование с {1}"},
     {"{1} sent {2} requests to {3} different users, {4} of them refused.{5} This is what SIP "
      "scanners do when they look for extensions with weak passwords to make toll-fraud calls.",
      "{1} отправил {2} запросов к {3} разным пользователям, {4} из них отклонены.{5} Так "
      "работают SIP-сканеры, подбирающие номера со слабыми паролями для мошеннических звонков."},
     {"Load on the server, log noise, and a real risk of fraud if any password is weak.",
      "Нагрузка на сервер, мусор в журналах и реальный риск мошенничества при слабом пароле."},
     {"Block {1} (fail2ban on the SIP log, firewall), allow SIP only from the networks of your "
      "phones and carriers (ACL), use long random passwords, and do not answer unknown users "
      "differently from wrong passwords (alwaysauthreject).",
      "Заблокируйте {1} (fail2ban по журналу SIP, межсетевой экран), разрешите SIP только из "
      "сетей ваших телефонов и операторов (ACL), используйте длинные случайные пароли и "
      "отвечайте на неизвестных пользователей так же, как на неверный пароль "
      "(alwaysauthreject)."}},

    /* {1} where RTP came from {2} the address SDP announced {3} that SDP's # {4} where it
     * went {5} packets {6} private-address sentence or "" */
    {"media-address-mismatch",
     {"RTP from {1}, not from the SDP's {2}", "RTP с {1}, а не с адреса из SDP {2}"},
     {"{5} RTP packets to {4} came from {1}, an address no SDP announced, while the SDP at "
      "message {3} announced {2} for that side: something on the way (a NAT, an SBC or a media "
      "proxy) changed the address.{6}",
      "{5} RTP-пакетов к {4} пришли с {1}, которого не объявлял ни один SDP, хотя SDP в "
      "сообщении {3} объявил для этой стороны {2}: что-то на пути (NAT, SBC или медиапрокси) "
      "изменило адрес.{6}"},
     {"None while each side sends to where media comes from; one-way audio otherwise.",
      "Нет, пока каждая сторона отправляет звук туда, откуда он приходит; иначе - "
      "односторонний звук."},
     {"If audio is one-way, let the PBX or SBC learn the media address from the RTP it "
      "receives (Asterisk PJSIP rtp_symmetric=yes and force_rport=yes; rtpengine in Kamailio) "
      "or fix the NAT (turn off the SIP ALG, use STUN or the public address in the device's "
      "SDP).",
      "Если звук односторонний, пусть АТС или SBC берёт медиа-адрес из входящего RTP "
      "(Asterisk PJSIP rtp_symmetric=yes и force_rport=yes; rtpengine в Kamailio) или "
      "исправьте NAT (отключите SIP ALG, используйте STUN или публичный адрес в SDP "
      "устройства)."}},
    /* {1} host that hears nothing {2} host whose RTP is missing {3} its SDP address:port
     * {4} message # of that SDP {5} RTP packets the other way {6} seconds of call
     * {7} extra cause sentence ("" or the private-address explanation) */
    {"one-way-audio",
     {"One-way audio: {1} receives no RTP", "Односторонний звук: {1} не получает RTP"},
     {"The call was answered and lasted {6} s. {5} RTP packets went to {2}, but none came from "
      "{2} (its SDP at message {4} announced {3}) to {1}.{7}",
      "Вызов был принят и длился {6} с. К {2} ушло {5} RTP-пакетов, но от {2} (его SDP в "
      "сообщении {4} объявил {3}) к {1} не пришло ни одного.{7}"},
     {"{1} heard silence for the whole call.", "{1} весь разговор слышал тишину."},
     {"Check what stops RTP from {2}: a firewall or NAT between the two media addresses, an "
      "SDP address that cannot be reached (fix it on the device or let the SBC/PBX rewrite "
      "it: Asterisk PJSIP direct_media=no, rtp_symmetric=yes, force_rport=yes), or a device "
      "that does not send while it does not receive (symmetric RTP).",
      "Выясните, что мешает RTP от {2}: межсетевой экран или NAT между медиа-адресами, "
      "недостижимый адрес в SDP (исправьте его на устройстве или пусть SBC/АТС его "
      "подменяет: в Asterisk PJSIP direct_media=no, rtp_symmetric=yes, force_rport=yes) или "
      "устройство, которое не передаёт, пока ничего не получает (symmetric RTP)."}},
    /* {1} seconds {2} caller media {3} callee media {4} RTP packets elsewhere in the capture */
    {"no-media",
     {"Answered call without any RTP", "Принятый вызов совсем без RTP"},
     {"The call was answered and lasted {1} s, but no RTP went to or came from the addresses "
      "its SDP announced ({2} and {3}), although the capture holds {4} RTP packets of other "
      "calls, so media was being recorded.",
      "Вызов был принят и длился {1} с, но на адреса из его SDP ({2} и {3}) и с них не прошло "
      "ни одного RTP-пакета, хотя в записи есть {4} RTP-пакетов других вызовов, то есть медиа "
      "записывалось."},
     {"Neither side heard the other.", "Стороны не слышали друг друга."},
     {"Check that both SDP addresses are reachable from the other side (private addresses, "
      "NAT, firewall) and that the capture point sees the media path (media may bypass the "
      "PBX when direct media is on).",
      "Проверьте, что оба адреса из SDP достижимы с другой стороны (частные адреса, NAT, "
      "межсетевой экран) и что точка записи видит путь медиа (при direct media RTP может идти "
      "мимо АТС)."}},

    /* {1} source {2} destination {3} MOS {4} packets {5} codec {6} from {7} to (UTC clock)
     * {8} lost {9} loss % {10} mean jitter {11} max jitter {12} largest gap ms {13} R */
    {"poor-quality",
     {"Poor audio from {1} to {2}: MOS {3}", "Плохой звук от {1} к {2}: MOS {3}"},
     {"{4} RTP packets ({5}) from {1} to {2} between {6} and {7} UTC: {8} lost ({9} %), mean "
      "jitter {10} ms (largest {11} ms), longest gap between packets {12} ms. The E-model "
      "estimate (ITU-T G.107) is R {13}, MOS {3}.",
      "{4} RTP-пакетов ({5}) от {1} к {2} с {6} по {7} UTC: потеряно {8} ({9} %), средний "
      "джиттер {10} мс (наибольший {11} мс), самая длинная пауза между пакетами {12} мс. "
      "Оценка по E-модели (ITU-T G.107): R {13}, MOS {3}."},
     {"Listeners hear gaps, choppy or robotic audio.",
      "Слушатель слышит пропадания, прерывистый или «роботизированный» звук."},
     {"Loss and jitter come from the path between these hosts: check the links (Wi-Fi, VPN, "
      "congested uplinks), QoS for RTP (DSCP EF) on routers and switches, the bandwidth the "
      "codec needs, and the sending host's load. A capture closer to the sender shows whether "
      "the damage happens before or after this capture point.",
      "Потери и джиттер возникают на пути между этими узлами: проверьте каналы (Wi-Fi, VPN, "
      "перегруженные аплинки), QoS для RTP (DSCP EF) на маршрутизаторах и коммутаторах, "
      "полосу для кодека и загрузку отправителя. Запись ближе к отправителю покажет, до или "
      "после этой точки возникают повреждения."}},
    /* {1} sender {2} digits {3} receiver */
    {"dtmf",
     {"DTMF from {1}: {2}", "DTMF от {1}: {2}"},
     {"{1} sent the digits {2} to {3} as RFC 4733 telephone events in the RTP stream.",
      "{1} отправил цифры {2} к {3} событиями RFC 4733 (telephone-event) в RTP-потоке."},
     {"Informational: the digits reached the network; if an IVR or voicemail did not react, "
      "check that both sides agreed on telephone-event in the SDP.",
      "Для сведения: цифры ушли в сеть; если IVR или голосовая почта не отреагировали, "
      "проверьте, что обе стороны согласовали telephone-event в SDP."},
     {"Nothing to do unless digits were expected elsewhere (SIP INFO, in-band).",
      "Ничего делать не нужно, если цифры не ожидались другим способом (SIP INFO, в звуке)."}},

};

static const evidence_text EVIDENCE_TEXTS[] = {
    {"req-original", {"first {1}", "первый {1}"}},
    {"st-interval", {"Session-Expires: {1}", "Session-Expires: {1}"}},
    {"sdp-offer", {"SDP offer: media at {1}", "SDP-предложение: медиа на {1}"}},
    {"sdp-announced", {"SDP announced {1}", "SDP объявил {1}"}},
    {"sdp-stream", {"the SDP that announced the stream's address", "SDP, объявивший адрес этого потока"}},
    {"sdp-answer", {"SDP answer: media at {1}", "SDP-ответ: медиа на {1}"}},
    {"media-end", {"the call ends after {1} s", "вызов завершён через {1} с"}},
    {"st-refresh-failed", {"session refresh {1}: {2}", "обновление сессии {1}: {2}"}},
    {"st-bye", {"BYE {1} s after the last refresh", "BYE через {1} с после последнего обновления"}},
    {"answered", {"answered {1}", "ответ {1}"}},
    {"req-retrans", {"the same {1} again", "тот же {1} повторно"}},
    {"got-481", {"481: no such dialog or transaction", "481: нет такого диалога или транзакции"}},
    {"invite", {"the INVITE", "INVITE"}},
    {"invite-final", {"the INVITE's final answer: {1}", "окончательный ответ на INVITE: {1}"}},
    {"cancel", {"the CANCEL", "CANCEL"}},
    {"sub-created", {"{1} that created the subscription", "{1}, создавший подписку"}},
    {"sub-refresh", {"the SUBSCRIBE refresh", "обновление SUBSCRIBE"}},
    {"ended-here", {"{1} ended it here", "здесь его завершил {1}"}},
    {"late-notify", {"NOTIFY after the end", "NOTIFY после завершения"}},
    {"late-request", {"{1} after the end", "{1} после завершения"}},
    {"unknown-dialog-req", {"{1} for an unknown dialog", "{1} для неизвестного диалога"}},
    {"creds-sent", {"credentials: user \"{1}\", realm \"{2}\"", "учётные данные: пользователь «{1}», realm «{2}»"}},
    {"stale", {"challenge with stale=true", "запрос аутентификации со stale=true"}},
    {"rejected", {"rejected: {1}", "отказ: {1}"}},
    {"req-no-creds", {"{1} without credentials", "{1} без учётных данных"}},
    {"challenge", {"challenge: {1}", "запрос аутентификации: {1}"}},
    {"register", {"REGISTER for {1}", "REGISTER для {1}"}},
    {"too-brief", {"423, Min-Expires {1}", "423, Min-Expires {1}"}},
    {"registered", {"registered for {1} s", "зарегистрирован на {1} с"}},
    {"first-try", {"first {1}", "первый {1}"}},
    {"last-try", {"last retransmission", "последний повтор"}},
    {"max-forwards", {"Max-Forwards {1} on arrival", "Max-Forwards {1} при получении"}},
    {"request", {"the {1}", "{1}"}},
    {"answer", {"answer: {1}", "ответ: {1}"}},
    {"malformed", {"{1}", "{1}"}},
    {"big", {"{1} bytes over UDP", "{1} байт по UDP"}},
    {"offer", {"offer: {1}", "предложение: {1}"}},
    {"ok-first", {"200 OK (first of {1})", "200 OK (первый из {1})"}},
    {"ok-again", {"200 OK again: no ACK yet", "снова 200 OK: ACK всё нет"}},
    {"bye-after", {"BYE: the callee gives up", "BYE: вызываемая сторона сдаётся"}},
    {"private", {"{1}", "{1}"}},
    {"probe", {"{1}", "{1}"}},
};

#endif
