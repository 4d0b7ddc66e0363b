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
    "zh": ["宝贝收到了非常好卖家服务态度也很好五星好评", "好评好评物流很快质量很好推荐大家购买哦", "非常棒的一次购物体验下次还会再来光顾的"],
}
FARM_PREFIX = {"en": ["", "Wow ", "Really ", "Honestly "], "zh": ["", "真的", "亲们", "总之"]}
FARM_SUFFIX = ["!", "!!", "!!!", " 👍", " ⭐⭐⭐⭐⭐", ".", " 😊", "~"]
EMPTY = {"en": ["Good", "ok", "Nice", "A+++", "👍👍👍", "Five stars", "good good good", "Received"],
         "zh": ["好", "好评", "不错", "👍", "五星", "收到了", "可以", "嗯嗯"]}


def _pick(options: list[str], u: np.ndarray) -> pl.Series:
    return pl.Series(options, dtype=pl.String).gather(np.minimum((u * len(options)).astype(np.int64), len(options) - 1))


def _slot(words_by_lang: dict, slot: str, tone: np.ndarray, zh: np.ndarray, u: np.ndarray) -> pl.Series:
    """Gather one phrase per row from the (language, tone) list of `slot`, vectorised."""
    lists, offsets, sizes = [], {}, {}
    for lang, words in words_by_lang.items():
        for t in ("pos", "mid", "neg"):
            key = f"{t}_{slot}"
            offsets[(lang, t)] = sum(len(x) for x in lists)
            sizes[(lang, t)] = len(words[key])
            lists.append(words[key])
    flat = pl.Series([w for x in lists for w in x], dtype=pl.String)
    off = np.zeros(len(u), dtype=np.int64)
    size = np.ones(len(u), dtype=np.int64)
    for (lang, t), o in offsets.items():
        m = (tone == ("pos", "mid", "neg").index(t)) & (zh == (lang == "zh"))
        off[m], size[m] = o, sizes[(lang, t)]
    return flat.gather(off + np.minimum((u * size).astype(np.int64), size - 1))


def honest(category: np.ndarray, product: np.ndarray, rating: np.ndarray, chinese: np.ndarray,
           ua: np.ndarray, ub: np.ndarray) -> pl.Series:
    """One honest review text per row: mentions the product noun and an aspect matching the stars."""
    n = len(rating)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    cats = list(NOUNS)
    nouns = pl.Series([NOUNS[c][lang][i % len(NOUNS[c][lang])] for lang in (0, 1) for c in cats for i in range(4)],
                      dtype=pl.String)
    zh = np.asarray(chinese, dtype=bool)
    noun = nouns.gather(zh * len(cats) * 4 + np.asarray(category, dtype=np.int64) * 4 + (product % 4))
    tone = np.where(rating >= 4, 0, np.where(rating == 3, 1, 2))
    words = {"en": EN, "zh": ZH}
    opener = _slot(words, "open", tone, zh, ua)
    aspect = _slot(words, "aspect", tone, zh, (ua * 7.0) % 1.0)
    det_all = EN["detail"] + ZH["detail"]
    di = np.where(zh, len(EN["detail"]) + np.minimum((ub * len(ZH["detail"])).astype(np.int64), len(ZH["detail"]) - 1),
                  np.minimum((ub * len(EN["detail"])).astype(np.int64), len(EN["detail"]) - 1))
    pre = pl.Series([d.split("{}")[0] for d in det_all], dtype=pl.String).gather(di)
    post = pl.Series([d.split("{}")[1] if "{}" in d else "" for d in det_all], dtype=pl.String).gather(di)
    has_num = np.array(["{}" in d for d in det_all])[di]
    num = pl.Series(np.where(has_num, (2 + (ub * 97) % 8).astype(np.int64), -1)).cast(pl.String)
    df = pl.DataFrame({"o": opener, "n": noun, "a": aspect, "p": pre, "q": post, "k": num, "zh": zh})
    return df.select(pl.when(pl.col("zh"))
                     .then(pl.concat_str(["o", "n", "a", pl.lit("。"), "p", pl.col("k").replace("-1", ""), "q"]))
                     .otherwise(pl.concat_str(["o", pl.lit(" "), "n", pl.lit(" "), "a", pl.lit(". "), "p",
                                               pl.col("k").replace("-1", ""), "q"]))).to_series()


def farmed(chinese: np.ndarray, group: np.ndarray, empty: np.ndarray, u: np.ndarray) -> pl.Series:
    """Farm texts: one stock sentence per farm with cosmetic variations, or content-free one-liners."""
    n = len(chinese)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    zh = np.asarray(chinese, dtype=bool)
    nb = len(FARM["en"])
    base = pl.Series(FARM["en"] + FARM["zh"], dtype=pl.String).gather(zh * nb + group % nb)
    npre = len(FARM_PREFIX["en"])
    pre = pl.Series(FARM_PREFIX["en"] + FARM_PREFIX["zh"], dtype=pl.String).gather(
        zh * npre + np.minimum((u * npre).astype(np.int64), npre - 1))
    suf = _pick(FARM_SUFFIX, (u * 13.0) % 1.0)
    ne = len(EMPTY["en"])
    emp = pl.Series(EMPTY["en"] + EMPTY["zh"], dtype=pl.String).gather(zh * ne + np.minimum(((u * 5.0) % 1.0 * ne).astype(np.int64), ne - 1))
    df = pl.DataFrame({"b": base, "p": pre, "s": suf, "e": emp, "empty": np.asarray(empty, dtype=bool)})
    return df.select(pl.when(pl.col("empty")).then(pl.col("e")).otherwise(pl.concat_str(["p", "b", "s"]))).to_series()
