"""The staff console in Telegram (aiogram 3 is imported only in this package).

console.py   StaffConsole: built by App, runs the two loops below, holds the console lock
delivery.py  outbox → staff chat: cards posted/edited in place, forwards, reminders, notices
updates.py   long polling → the dispatcher, one update at a time, offset kept in Redis
handlers/    aiogram routers (cards, relay, commands) and the staff-only middleware
actions.py   what buttons and relayed replies do (through StaffOps and the outbound check)
commands.py  /queue /stats /pause /resume /mode /help
cards.py     pure rendering: cards, forwards, relay results, queue, stats
sla.py       SLA reminders (a scheduler job, see bot.schedule.jobs)
setup.py     shops, staff chats, who may act
telegram.py  the Bot API client and the error mapping
texts/       UI strings, one module per language
"""
