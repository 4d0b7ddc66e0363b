"""Review texts: honest ones name the product and an aspect of it; farmed ones do not.

Honest texts are assembled from parts (opener + product noun + aspect + detail), so they vary and
always say something about the product. Farm texts are a few stock sentences with cosmetic
variations (punctuation, emoji, a filler word) or content-free one-liners: FT-REVIEW's targets.
"""
from __future__ import annotations

import numpy as np
import polars as pl

NOUNS = {  # category -> (English nouns, Chinese nouns)
    "apparel": (["dress", "hoodie", "t-shirt", "pair of jeans"], ["连衣裙", "卫衣", "T恤", "牛仔裤"]),
    "underwear": (["bra", "pack of boxers", "pack of socks"], ["内衣", "内裤", "袜子"]),
    "jewelry_collectibles": (["necklace", "ring", "pair of earrings"], ["项链", "戒指", "耳环"]),
    "mother_baby": (["stroller", "baby bottle", "diaper bag"], ["婴儿车", "奶瓶", "妈咪包"]),
    "sports_outdoor": (["yoga mat", "water bottle", "tent"], ["瑜伽垫", "运动水杯", "帐篷"]),
    "shoes": (["pair of sneakers", "pair of sandals", "pair of boots"], ["运动鞋", "凉鞋", "靴子"]),
    "kitchenware": (["frying pan", "knife set", "mug"], ["炒锅", "刀具套装", "马克杯"]),
    "beauty": (["lipstick", "serum", "foundation"], ["口红", "精华液", "粉底液"]),
    "electronics": (["pair of earbuds", "phone case", "charger"], ["蓝牙耳机", "手机壳", "充电器"]),
    "food": (["snack box", "tea", "bag of coffee beans"], ["零食礼包", "茶叶", "咖啡豆"]),
    "home": (["pillow", "storage box", "desk lamp"], ["枕头", "收纳盒", "台灯"]),
    "other": (["item", "gadget", "gift set"], ["宝贝", "小物件", "礼盒"]),
}
EN = {
    "pos_open": ["Love this", "Really happy with the", "Great", "So glad I bought this", "Excellent",
                 "Very nice", "Beautiful", "Good quality", "Impressed by the", "Perfect"],
    "pos_aspect": ["fits true to size", "looks exactly like the photos", "feels sturdy", "color is just as pictured",
                   "works as described", "arrived well packed", "is worth the price", "feels premium",
                   "is comfortable", "was easy to set up"],
    "mid_open": ["The", "Okay", "Decent", "Average", "Not bad,"],
    "mid_aspect": ["is fine for the price", "is a bit smaller than expected", "took a while to arrive",
                   "color is slightly off", "does the job"],
    "neg_open": ["Disappointed with the", "Poor quality", "Do not buy this", "Terrible", "Unhappy with the"],
    "neg_aspect": ["broke after two days", "looks nothing like the photos", "arrived damaged", "smells strange",
                   "stopped working", "is much smaller than described", "has loose threads", "came with parts missing"],
    "detail": ["Ordered for my sister.", "Second one I have bought.", "Arrived in {} days.", "Using it daily.",
               "Gift for a friend.", "Bought during the live stream.", "Wore it {} times already.",
               "Compared {} shops before buying.", "My kids like it.", "Would buy again in {} months."],
}
ZH = {
    "pos_open": ["很喜欢这个", "质量很好的", "非常满意这款", "性价比很高的", "做工精致的", "颜值很高的"],
    "pos_aspect": ["，和图片一样", "，尺码很标准", "，包装很仔细", "，用起来很方便", "，颜色很正", "，手感很好"],
    "mid_open": ["还行的", "一般般的", "中规中矩的"],
    "mid_aspect": ["，对得起价格", "，比预想的小一点", "，物流有点慢", "，颜色有点色差"],
    "neg_open": ["很失望，这个", "质量太差的", "不推荐这款", "糟糕的"],
    "neg_aspect": ["，用了两天就坏了", "，和描述不符", "，收到有破损", "，有异味", "，少了配件"],
    "detail": ["{}天就到了。", "买给家人的。", "直播间下单的。", "已经用了{}次。", "对比了{}家才买的。",
               "孩子很喜欢。", "送朋友的。", "第二次回购了。"],
}
FARM = {
    "en": ["Amazing quality fast shipping highly recommend this seller",
           "Best purchase ever five stars would buy again",
           "Super good product great seller A+++ recommend"],
    "zh": ["宝贝收到了非常好卖家服务态度好五星好评", "好评好评物流快质量好推荐购买", "非常棒的一次购物体验下次还来"],
}
FARM_PREFIX = {"en": ["", "Wow ", "Really ", "Honestly "], "zh": ["", "真的", "亲们", "总之"]}
FARM_SUFFIX = ["!", "!!", "!!!", " 👍", " ⭐⭐⭐⭐⭐", ".", " 😊", "~"]
EMPTY = {"en": ["Good", "ok", "Nice", "A+++", "👍👍👍", "Five stars", "good good good", "Received"],
         "zh": ["好", "好评", "不错", "👍", "五星", "收到了", "可以", "嗯嗯"]}


def _pick(options: list[str], u: np.ndarray) -> pl.Series:
    return pl.Series(options).gather(np.minimum((u * len(options)).astype(np.int64), len(options) - 1))


def honest(category: np.ndarray, product: np.ndarray, rating: np.ndarray, chinese: np.ndarray,
           ua: np.ndarray, ub: np.ndarray) -> pl.Series:
    """One honest review text per row: mentions the product noun and an aspect matching the stars."""
    n = len(rating)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    cats = list(NOUNS)
    cat_i = np.searchsorted(np.array(cats), category) if category.dtype.kind in "UO" else category
    noun_en = np.array([NOUNS[c][0][i % len(NOUNS[c][0])] for c in cats for i in range(4)]).reshape(len(cats), 4)
    noun_zh = np.array([NOUNS[c][1][i % len(NOUNS[c][1])] for c in cats for i in range(4)]).reshape(len(cats), 4)
    k = (product % 4).astype(np.int64)
    noun = np.where(chinese, noun_zh[cat_i, k], noun_en[cat_i, k])
    tone = np.where(rating >= 4, "pos", np.where(rating == 3, "mid", "neg"))
    u1, u2, u3 = ua, (ua * 7.0) % 1.0, ub
    cols = {}
    for lang, words in (("en", EN), ("zh", ZH)):
        op = np.empty(n, dtype=object)
        asp = np.empty(n, dtype=object)
        for t in ("pos", "mid", "neg"):
            m = tone == t
            op[m] = _pick(words[f"{t}_open"], u1[m]).to_numpy()
            asp[m] = _pick(words[f"{t}_aspect"], u2[m]).to_numpy()
        det = _pick(words["detail"], u3).to_numpy().astype(str)
        num = (2 + (u3 * 97) % 8).astype(int).astype(str)
        det = np.char.replace(det, "{}", num)
        cols[lang] = (op, asp, det)
    en = pl.DataFrame({"o": cols["en"][0].astype(str), "n": noun, "a": cols["en"][1].astype(str), "d": cols["en"][2]}) \
        .select(pl.format("{} {} {}. {}", "o", "n", "a", "d")).to_series()
    zh = pl.DataFrame({"o": cols["zh"][0].astype(str), "n": noun, "a": cols["zh"][1].astype(str), "d": cols["zh"][2]}) \
        .select(pl.format("{}{}{}。{}", "o", "n", "a", "d")).to_series()
    return pl.Series(np.where(chinese, zh.to_numpy(), en.to_numpy()), dtype=pl.String)


def farmed(chinese: np.ndarray, group: np.ndarray, empty: np.ndarray, u: np.ndarray) -> pl.Series:
    """Farm texts: one stock sentence per farm with cosmetic variations, or content-free one-liners."""
    n = len(chinese)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    out = np.empty(n, dtype=object)
    for lang, m_lang in (("zh", chinese), ("en", ~chinese)):
        base = np.array(FARM[lang])[group[m_lang] % len(FARM[lang])]
        pre = _pick(FARM_PREFIX[lang], u[m_lang]).to_numpy().astype(str)
        suf = _pick(FARM_SUFFIX, (u[m_lang] * 13.0) % 1.0).to_numpy().astype(str)
        dup = np.char.add(np.char.add(pre, base), suf)
        emp = _pick(EMPTY[lang], (u[m_lang] * 5.0) % 1.0).to_numpy().astype(str)
        out[m_lang] = np.where(empty[m_lang], emp, dup)
    return pl.Series(out.astype(str), dtype=pl.String)
