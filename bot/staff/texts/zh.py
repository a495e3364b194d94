"""员工控制台的中文文本。占位符为 `str.format` 字段；卡片使用 HTML。"""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "card.escalation": "转人工：{reason}",
    "card.draft": "回复草稿等待确认",
    "card.complaint": "投诉流程：{reason}",
    "card.closed": "已关闭：{status}",
    "card.shop": "店铺",
    "card.status": "状态",
    "card.intent": "意图",
    "card.detail": "详情",
    "card.order": "订单",
    "card.facts": "Ozon 数据",
    "card.buyer": "买家消息",
    "card.buyer_image": "[图片]",
    "card.suggested": "建议回复",
    "card.blocked": "被规则检查拦截",
    "card.window_left": "回复时限：剩余 {left}（截至 {until}）",
    "card.window_urgent": "紧急：Ozon 回复时限将在 {left} 后关闭（{until}）",
    "card.window_closed": "Ozon 回复时限已关闭（{until}）",
    "card.auto_send": "如无人处理，将于 {at} 自动发送",
    "card.link": "在 Ozon 卖家后台打开聊天",
    "card.history": "记录",
    "card.evidence": "证据",
    "card.complaint_steps": (
        "如何在 Ozon 投诉：\n"
        "1. 通过上面的链接打开聊天（聊天 → 买家）。\n"
        "2. 不要回复买家。\n"
        "3. 使用聊天中的投诉功能，选择最接近的原因（垃圾信息、辱骂、诈骗）；"
        "后台中的名称可能不同。\n"
        "4. 如果没有该功能，请在后台联系 Ozon 客服，并提供该聊天和上面的证据。\n"
        "5. 完成后在这里点击“已投诉”。"
    ),
    "reason.dispute": "纠纷",
    "reason.legal_threat": "法律威胁",
    "reason.abuse": "辱骂",
    "reason.spam": "垃圾信息",
    "reason.human_request": "买家要求人工",
    "reason.unknown": "无法确定买家需求",
    "reason.blocked_reply": "回复被规则检查拦截",
    "reason.system": "系统故障",
    "reason.none": "草稿",
    # 出站规则、入站标记、买家诉求以及升级详情（detail）的说明
    "rule.profanity": "脏话",
    "rule.insult": "粗鲁或侮辱",
    "rule.contacts": "联系方式或引导站外沟通",
    "rule.external_link": "非 Ozon 链接",
    "rule.cancel_request": "要求买家取消订单",
    "rule.competitor": "提及其他店铺或平台",
    "rule.ozon_negative": "贬低 Ozon",
    "rule.superlative": "无法证实的最高级用语",
    "rule.caps": "全大写（喊叫）",
    "rule.punctuation": "连续的 !!! 或 ???",
    "rule.emoji": "表情符号",
    "rule.personal_data": "索取个人信息",
    "flag.profanity": "脏话",
    "flag.insult": "侮辱或威胁",
    "flag.spam": "垃圾信息",
    "flag.contacts": "联系方式",
    "flag.external_link": "链接",
    "flag.legal_threat": "威胁起诉或投诉",
    "request.money": "退款或付款",
    "request.defect": "质量问题",
    "request.wrong_item": "发错货",
    "request.delivery": "物流配送",
    "request.order": "订单（退货、取消、修改）",
    "request.ask": "其他事项（问题或请求）",
    "detail.flags": "买家消息：{flags}",
    "detail.requests": "同时询问：{requests}",
    "detail.abuse": "辱骂用语：{words}",
    "detail.intent": "识别为：{intent}",
    "detail.blocked": "违反规则：{rules}",
    "detail.rasa_spam": "语言模型判定为垃圾信息，但垃圾信息检测器未判定：请人工查看",
    "status.open": "等待人工处理",
    "status.taken": "由 {who} 接管",
    "status.complaint": "投诉流程：机器人保持沉默",
    "status.complaint_filed": "已投诉",
    "status.resolved": "已解决",
    "status.returned": "已交还机器人",
    "action.take_over": "接管了聊天",
    "action.return_to_bot": "交还给机器人",
    "action.resolve": "标记为已解决",
    "action.complaint": "转入投诉流程",
    "action.complaint_filed": "已提交投诉",
    "action.sent_suggested": "发送了建议回复",
    "action.replied": "已回复",
    "action.wrong_intent": "标记意图错误",
    "action.urgent": "回复时限即将关闭",
    "who.bot": "机器人",
    "btn.take": "接管",
    "btn.reply": "回复",
    "btn.suggested": "发送建议回复",
    "btn.return": "交还机器人",
    "btn.spam": "垃圾信息 / 投诉",
    "btn.resolved": "已解决",
    "btn.send": "发送",
    "btn.edit": "修改（回复）",
    "btn.dismiss": "忽略",
    "btn.filed": "已投诉",
    "btn.not_abuse": "非辱骂：交还机器人",
    "btn.send_fixed": "发送修正文本",
    "cb.refused": "抱歉，只有店铺员工可以执行此操作。",
    "cb.unknown": "此卡片已过期。",
    "cb.done": "完成。",
    "cb.closed": "该聊天已关闭。",
    "relay.prompt": "{who}，请在这里用下一条消息输入给买家的回复（或回复卡片）。/cancel 取消。",
    "relay.sent": "已发送给买家。",
    "relay.refused": "未发送：文本违反 Ozon 规则。",
    "relay.violation": "{rule}：“{fragment}”",
    "relay.fix_offer": "修正后的文本（仅在点击按钮后发送）：",
    "relay.retry": "请修改文本后重新发送。",
    "relay.error": "未发送：{error}",
    "relay.unknown": "Ozon 未确认该消息。再次发送前请先在后台查看聊天。",
    "relay.cancelled": "已取消回复。",
    "relay.nothing": "没有可取消的内容。",
    "relay.complaint": "该聊天处于投诉流程：不会向买家发送任何内容。",
    "relay.closed": "该转人工已关闭；如需回复请在 Ozon 后台操作。",
    "relay.not_text": "这里只能向买家发送文本。",
    "relay.fix_expired": "该修正已过期。",
    "relay.no_suggestion": "没有建议回复。",
    "forward": "买家消息（{at}）：",
    "reminder.again": "仍在等待人工处理：{reason}，{age}。",
    "reminder.owner": "@{owner}，该聊天已等待 {age} 未回复（{reason}）。",
    "reminder.urgent": "Ozon 回复时限将在 {left} 后关闭，请立即回复。",
    "console.parked": (
        "\u26a0\ufe0f 机器人无法在员工群 {chat}（{shops}）发消息：{reason}。"
        "该群的通知已保留，恢复后送达：请把机器人重新加入该群，或在配置中更正群 id。"
    ),
    "console.unparked": "员工群 {chat}（{shops}）又可以接收机器人的消息了；积压的通知随后送达。",
    "mask.phone": "[电话]",
    "mask.email": "[邮箱]",
    "dur.min": "{m} 分钟",
    "dur.hours": "{h} 小时 {m} 分钟",
    "dur.days": "{d} 天 {h} 小时",
    "queue.empty": "没有待处理的转人工。",
    "queue.title": "待处理的转人工（最早的在前）：",
    "queue.line": "{age} \u00b7 {shop} \u00b7 {reason} \u00b7 {status}",
    "queue.card": "卡片",
    "queue.more": "……还有 {n} 条。",
    "stats.title": "今天（{day}），{shop}：",
    "stats.handled": "已处理买家消息：{n}",
    "stats.answered": "自动回复：{n}",
    "stats.drafts": "草稿：{n}",
    "stats.escalated": "转人工：{n}",
    "stats.by_reason": "按原因转人工：",
    "stats.blocked": "按规则拦截：",
    "stats.flags": "入站标记：",
    "stats.none": "暂无",
    "shop.which": "这里有多个店铺：请指定 {shops} 之一。",
    "shop.unknown": "未知店铺 {shop}；这里有：{shops}。",
    "pause.done": "{shop}：已暂停。在 /resume 之前回复都会变成草稿。",
    "resume.done": "{shop}：已恢复。机器人重新自动回复。",
    "mode.usage": "用法：/mode auto|draft|off [until HH:MM | for 2h] [店铺]；/mode reset [店铺]",
    "mode.bad_time": "无法识别时间：{value}。请使用 “until 18:30” 或 “for 2h”。",
    "mode.set": "{shop}：模式 {mode}，{until}。",
    "mode.until": "直到 {at}",
    "mode.forever": "直到修改",
    "mode.reset": "{shop}：已取消手动模式，恢复店铺设置。",
    "mode.state": "{shop}：{mode}{paused}",
    "mode.default": "店铺设置",
    "mode.paused": "（已暂停：回复变为草稿）",
    "help": (
        "需要人工处理的聊天会在这里显示卡片，按钮作用于对应聊天。\n"
        "回复卡片（或点击“回复”）即可回复买家；每条文本都会先按 Ozon 规则检查。"
        "/cancel 取消待发送的回复。\n"
        "/queue：待处理的转人工，最早的在前\n"
        "/stats [店铺]：今日数据\n"
        "/pause [店铺]、/resume [店铺]：停止或恢复自动回复\n"
        "/mode auto|draft|off [until HH:MM | for 2h] [店铺]：临时更改模式；"
        "单独 /mode 显示当前状态；/mode reset [店铺] 取消\n"
        "/help：本说明"
    ),
    "digest.title": "早上好，{shop}。自上个工作日结束以来：",
    "digest.answered": "机器人自动回复：{n}",
    "digest.by_intent": "  {intent}：{n}",
    "digest.escalated": "转交人工：{n}",
    "digest.drafts": "待批准的草稿：{n}",
    "digest.waiting": "正在等待（最早的在前）：",
    "digest.nothing": "没有等待处理的会话。",
    "digest.streams": "过去24小时（按渠道）：",
    "digest.stream": "  {stream}：自动回复 {auto}，转交人工 {staff}，当前等待 {pending}",
    "digest.stream.chats": "聊天",
    "digest.stream.questions": "商品问题",
    "digest.stream.reviews": "评价",
    "notice.writes_refused": (
        "Ozon 拒绝发送聊天消息：店铺订阅不包含聊天发送功能（Premium Plus 或 Premium Pro）。"
        "机器人以草稿模式运行：每条回复都在卡片中等待员工发送；每 30 分钟尝试真实发送一次。"
    ),
    "notice.writes_work": "Ozon 再次接受聊天消息：自动回复已恢复。",
    "notice.key_refused": (
        "Ozon 不接受店铺 {shop} 的 API 密钥：{cause} 处理方法：{fix} "
        "在密钥恢复之前，机器人不会读取该店铺的任何内容；它每分钟检查一次，恢复后会通知您。"
    ),
    "notice.key_fix": (
        "在卖家后台（设置 → Seller API）创建一个具有机器人所需角色的新密钥，并填入 OZON_API_KEY。"
    ),
    "notice.key_works": "Ozon 再次接受店铺 {shop} 的 API 密钥：机器人恢复读取和回复聊天。",
    "notice.key_expires": (
        "店铺 {shop} 的 Ozon API 密钥将在 {days} 天后（{when}）过期。"
        "请提前在卖家后台创建新密钥，否则机器人将停止工作。"
    ),
    "notice.chat_unreadable": "机器人无法从 Ozon 读取此聊天的消息（{cause}）；请在卖家后台回复。",
    "notice.data_loss": (
        "Redis 丢失了机器人的数据（无持久化重启或故障切换）。之前的卡片和接管记录已丢失；"
        "员工处理中的聊天会重新交给您，而不是由机器人回复。"
    ),
    "notice.push_unhealthy": (
        "Ozon 将店铺 {shop} 的推送地址评为 {state}。"
        "推送地址连续三天不可用时 Ozon 会将其停用；在此期间机器人继续轮询。"
    ),
    "notice.key_roles": (
        "店铺 {shop} 的 Ozon API 密钥缺少以下方法的角色：{methods}。"
        "请创建具有这些角色的密钥，否则机器人无法完成这部分工作。"
    ),
    # 员工机器翻译 (bot/staff/translation.py)
    "lang.ru": "俄语",
    "lang.en": "英语",
    "lang.zh": "中文",
    "card.mt_pending": "机器翻译中\u2026",
    "card.mt_done": "机器翻译，可能不准确",
    "card.mt_unavailable": "机器翻译不可用",
    "action.replied_translated": "已回复（机器翻译）",
    "btn.send_translated": "发送",
    "relay.tr_preview": "机器翻译成{language}，买家将收到以下内容：",
    "relay.tr_passed": "规则检查：通过。",
    "relay.tr_confirm": "点击“{button}”之前不会发送任何内容。",
    "relay.tr_refused": "未发送：机器翻译违反 Ozon 规则。",
    "relay.tr_violation": "{rule}：“{fragment}” = “{back}”",
    "relay.tr_fix_back": "修正后的文本（您的语言）：",
    "relay.tr_sent": "已作为{language}机器翻译发送给买家：",
    "relay.tr_unavailable": (
        "未发送：机器翻译暂不可用（{error}）。请稍后重试，或用买家的语言（{language}）书写。"
    ),
    "relay.tr_contacts": (
        "未发送：电话号码和邮箱既不会发给买家（Ozon 规则），也不会发给翻译服务。"
    ),
    "relay.tr_expired": "该翻译已过期，请重新输入回复。",
    # 商品问题与评价卡片 (bot/staff/cards.py `render_public_card`)
    "pcard.question": "商品问题：{why}",
    "pcard.review": "评价 {stars}：{why}",
    "pcard.sent": "已公开回答",
    "pcard.dismissed": "已忽略：未发布任何内容",
    "pcard.product": "商品",
    "pcard.rating": "评分",
    "pcard.facts": "找到的信息",
    "pcard.asked": "买家提问",
    "pcard.wrote": "买家写道",
    "pcard.no_text": "[无文字：仅评分]",
    "pcard.suggested": "建议的公开回答",
    "pcard.silent": "商品卡片中没有这项信息。请回复此卡片给出答案，或忽略它。",
    "pcard.public": "回答是公开的：该商品的所有买家都能看到。",
    "fact.asked": "询问",
    "fact.card": "商品卡片",
    "fact.stock": "库存",
    "fact.rating": "评分",
    "fact.photos": "照片",
    "fact.order_status": "订单状态",
    "fact.answer": "被拒绝的回答",
    "why.card_silent": "商品卡片中没有这项信息",
    "why.compatibility": "卡片无法确定的兼容性问题",
    "why.complaint": "以提问形式提出的投诉",
    "why.abuse": "辱骂",
    "why.spam": "垃圾信息",
    "why.flagged": "包含联系方式、链接或法律威胁",
    "why.unreadable": "太短或太长，无法回答",
    "why.sku_not_sold": "商品已不再销售",
    "why.not_routine": "非常规问题",
    "why.draft": "草稿：需先由人工批准",
    "why.blocked_reply": "回答违反规则或与上一条重复",
    "why.low_rating": "低评分，从不自动回复",
    "why.bad_rating": "评分不在 1–5 之间",
    "why.dispute": "纠纷",
    "why.unknown": "不确定买家想要什么",
    "why.moderation": "Ozon 审核拒绝了该回答（{status}）",
    "rule.public_link": "链接（公开回答中不允许）",
    "rule.public_promise": "超出商品卡片的承诺",
    "action.sent": "发布了回答",
    "action.dismissed": "忽略了它",
    "pub.sent": "已在 Ozon 发布。",
    "pub.dismissed": "已忽略。",
    "pub.closed": "此卡片已关闭。",
    "pub.busy": "其他人正在发布这条回答。",
    "pub.no_suggestion": "没有建议回答：请回复卡片给出您的回答。",
    "pub.refused": "未发布：文本违反 Ozon 的公开回答规则。",
    "pub.repetitive": (
        "未发布：这与该商品上一条公开回答一字不差，Ozon 会限制重复回答的卖家。请换一种说法。"
    ),
    "pub.ozon_error": "未发布：Ozon 拒绝了（{error}）。",
    "pub.prompt": "{who}，请在此处发送下一条消息作为公开回答（或回复卡片）。/cancel 取消。",
    "notice.questions_paused": (
        "店铺 {shop} 的商品问题已暂停：{cause} 通过 API 回答需要"
        " Premium Plus 订阅。机器人每 30 分钟重试一次；聊天和评价照"
        "常进行。"
    ),
    "notice.questions_back": "Ozon 再次接受店铺 {shop} 的商品问题回答。",
    "notice.reviews_paused": (
        "店铺 {shop} 的评价已暂停：{cause} 通过 API 回复评价需要"
        "「评价管理」或 Premium Pro 订阅。机器人每 30 分钟重试一次；"
        "聊天和商品问题照常进行。"
    ),
    "notice.reviews_back": "Ozon 再次接受店铺 {shop} 的评价回复。",
}
