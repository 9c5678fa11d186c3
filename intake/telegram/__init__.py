"""The Telegram intake bot, in webhook mode, on the plain Bot API over the standard library
(urllib): four methods (setWebhook, deleteWebhook, sendMessage, getFile) and a file download
do not justify python-telegram-bot's or aiogram's async stacks and their dependencies.

Modules: ``client`` (the Bot API calls and the token), ``script`` (the short conversation:
consent first, then what happened, how to reach the person, urgency), ``services`` (what
tasks do: send a text of the script, fetch a photo), ``webhook`` (the view Telegram posts
updates to)."""
