"""Deterministic generator of realistic, varied Chinese 12345 hotline request texts.

Used by the demo data, the dispatch classifier's tests and ``yiwang bench hotline-dispatch``.
A text is composed from many independent parts (opening, who is calling, when, where, the
problem with concrete figures, consequences, what was already tried, what is asked for, a
masked contact number), each drawn from topic- and category-specific phrase pools, so a few
thousand draws are almost all distinct. Some texts mention a second topic (物业 + 噪音, 工地 +
扬尘 …), as real requests do, so the dispatch task is not perfectly separable.

Everything depends only on the ``random.Random`` passed in: the same seed gives the same texts.
No real personal data is produced; phone numbers are fake and always masked (``138****1234``).
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "DISTRICTS",
    "TOPICS",
    "UNITS",
    "GeneratedRequest",
    "TopicSpec",
    "generate_request",
    "generate_requests",
]

# Category codes of the work order (domain.md §5) with their Chinese names.
CATEGORY_LABELS: dict[str, str] = {
    "consult": "咨询",
    "help": "求助",
    "complaint": "投诉",
    "report": "举报",
    "suggestion": "意见建议",
    "praise": "表扬",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)
# Rough shares seen on city hotlines: complaints and consultations dominate, praise is rare.
_CATEGORY_WEIGHTS = (30, 18, 30, 9, 8, 5)


@dataclass(frozen=True, slots=True)
class GeneratedRequest:
    """One synthetic request: its text, category code, topic and the unit that handled it.

    ``unit`` is what a closed order would record: usually the topic's unit, sometimes another
    one (overlapping duties, or the second of two problems in the text), as on real orders.
    """

    text: str
    category: str
    topic: str
    unit: str
    district: str
    lane: str  # "citizen" or "enterprise"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """Phrase pools for one topic. Templates use ``{slot}`` names filled by :class:`_Slots`."""

    name: str
    unit: str
    problems: tuple[str, ...]  # facts for help / complaint / report
    questions: tuple[str, ...]  # consultations
    suggestions: tuple[str, ...]
    staff: tuple[str, ...]  # who may be praised
    praise: tuple[str, ...]  # what they did
    consequences: tuple[str, ...] = ()
    lane: str = "citizen"


# --- places of the demo city (珠海) -------------------------------------------------------------

DISTRICTS: dict[str, tuple[str, ...]] = {
    "香洲区": ("拱北街道", "吉大街道", "前山街道", "翠香街道", "梅华街道", "香湾街道", "湾仔街道",
              "狮山街道", "南屏镇", "凤山街道"),
    "斗门区": ("井岸镇", "白蕉镇", "斗门镇", "乾务镇", "莲洲镇", "白藤街道"),
    "金湾区": ("三灶镇", "红旗镇", "平沙镇", "南水镇"),
    "横琴": ("横琴镇", "横琴新家园", "小横琴社区"),
    "高新区": ("唐家湾镇", "金鼎片区", "后环片区"),
}  # fmt: skip
_ROADS = (
    "情侣中路", "情侣南路", "凤凰北路", "凤凰路", "九洲大道", "迎宾南路", "迎宾北路", "人民东路",
    "梅华西路", "柠溪路", "前河东路", "珠海大道", "港湾大道", "金凤路", "井湾路", "湖心路",
    "白藤一路", "大信路", "金湖路", "环岛东路", "情侣北路", "翠前南路", "红山路", "吉大路",
)  # fmt: skip
_ESTATE_HEAD = (
    "海湾", "翠湖", "金域", "华发", "碧桂", "海怡", "香山", "凤凰", "南屏", "紫荆", "依云", "锦绣",
    "蓝湾", "山海", "御景", "翠微", "沁园", "星河", "明珠", "银湖", "嘉园", "祥和", "丽景", "珠江",
)  # fmt: skip
_ESTATE_TAIL = ("花园", "新城", "小区", "雅苑", "名苑", "公寓", "华庭", "家园", "半岛", "嘉园")
_SHOP_HEAD = (
    "好味", "老陈", "湘里", "粤香", "鑫源", "顺发", "佳惠", "百佳", "华润", "旺角", "川味",
    "渔家", "阿华", "金牌", "满记", "悦来", "福满", "利民", "兴隆", "乐购",
)  # fmt: skip
_SHOP_TAIL = (
    "餐厅", "大排档", "奶茶店", "便利店", "超市", "烧腊店", "火锅店", "面馆", "生鲜店",
    "水果店", "蛋糕店", "药店", "茶餐厅", "烧烤店",
)  # fmt: skip
_COMPANY_HEAD = (
    "珠海某",
    "横琴某",
    "金湾某",
    "高新区某",
    "斗门某",
    "香洲某",
)
_COMPANY_KIND = (
    "科技有限公司", "电子有限公司", "精密制造有限公司", "生物医药有限公司", "物流有限公司",
    "贸易有限公司", "装饰工程有限公司", "餐饮管理有限公司", "软件有限公司", "新材料有限公司",
)  # fmt: skip
_PEOPLE = ("张", "王", "李", "陈", "刘", "黄", "林", "何", "郭", "梁", "吴", "周", "罗", "谢")
_MOBILE_PREFIX = ("138", "139", "135", "136", "137", "150", "151", "186", "187", "188", "133")


# --- phrase pools per unit and topic ----------------------------------------------------------

_SAMR = "市市场监督管理局"
_HOUSING = "市住房和城乡建设局"
_TRANSPORT = "市交通运输局"
_HRSS = "市人力资源和社会保障局"
_ECO = "市生态环境局"
_URBAN = "市城市管理和综合执法局"
_POLICE = "市公安局"
_HEALTH = "市卫生健康局"
_EDU = "市教育局"
_MEDINS = "市医疗保障局"
_WATER = "市水务局"
_LAND = "市自然资源局"
_TAX = "国家税务总局珠海市税务局"
_GOVSVC = "市政务服务数据管理局"
_INDUSTRY = "市工业和信息化局"
_DRC = "市发展和改革局"

_T = TopicSpec
_TOPIC_LIST: tuple[TopicSpec, ...] = (
    # 市市场监督管理局
    _T("食品安全", _SAMR,
       problems=(
           "在{shop}吃完饭后一家{n}口都出现腹泻呕吐，去医院花了{money}元",
           "{shop}后厨卫生很差，苍蝇乱飞，员工不戴口罩手套就直接切熟食",
           "在{shop}买的酸奶已经过期{days}天还在货架上卖",
           "外卖平台上的{shop}没有实体门店，营业执照和食品经营许可证都是假的",
           "{shop}用地沟油炸东西，每天晚上有人把废油拉回店里",
           "在{shop}买的猪肉回家一看颜色发暗有异味，怀疑是注水肉",
       ),
       questions=(
           "在家里做私房蛋糕通过朋友圈卖需要办什么证",
           "怎么查询一家餐馆的食品经营许可证是否有效",
           "买到过期食品可以要求怎样的赔偿，具体找哪个部门",
       ),
       suggestions=(
           "建议对学校周边的小吃摊和奶茶店开展一次食品安全专项检查",
           "建议外卖平台公示商家的后厨监控画面，推广明厨亮灶",
       ),
       staff=("市场监管所的执法人员", "食品安全科的工作人员"),
       praise=("接到投诉后当天就到{shop}现场检查并督促整改", "耐心帮我追回了{money}元赔偿"),
       consequences=("孩子现在还在打点滴", "担心更多人吃出问题"),
       ),
    _T("价格", _SAMR,
       problems=(
           "{shop}标价和结账价格不一致，一斤水果多收了{small_money}元",
           "景区附近的停车场收费没有明码标价，停了{hours}小时收了{money}元",
           "{shop}先涨价再打折，原价{money}元的商品标成“限时特惠”",
           "台风过后{shop}把矿泉水一箱卖到{money}元，明显哄抬物价",
           "某酒店节假日房价从{money}元临时涨了好几倍，预订后又要求加钱",
       ),
       questions=(
           "商家明码标价有哪些规定，价签上必须写哪些内容",
           "遇到商家价格欺诈应该保存哪些证据，怎么投诉",
           "小区停车费涨价需要经过哪些程序，物价部门是否备案",
       ),
       suggestions=(
           "建议节假日期间加强对景区周边餐饮和停车收费的价格巡查",
           "建议在农贸市场设置公平秤和价格公示屏",
       ),
       staff=("价格监督检查的工作人员", "市场监管所的同志"),
       praise=("很快核实了多收费的问题，商家已经退还了差价",),
       ),
    _T("消费维权", _SAMR,
       problems=(
           "在{shop}办了{money}元的会员卡，才用了{n}次店就关门跑路了",
           "网购的手机收到{days}天就黑屏，商家拒绝七天无理由退货",
           "健身房办了年卡，现在老板失联，{n}多名会员的钱退不回来",
           "在{road}一家装修公司签了合同交了{money}元定金，一直不开工也不退钱",
           "美容院推销疗程卡时承诺随时可退，现在要扣{percent}%的手续费",
           "买的二手车过户后发现是事故车，车行当初说没有任何事故",
       ),
       questions=(
           "预付卡商家跑路了，消费者怎么维权，能不能先行赔付",
           "网购商品出现质量问题，商家不同意退换，应该怎么投诉",
           "消费纠纷调解不成的话下一步可以怎么办",
       ),
       suggestions=(
           "建议对健身房、美容院等预付式消费实行资金存管",
           "建议公布经常被投诉的商家名单，提醒市民注意",
       ),
       staff=("消费者权益保护科的工作人员", "12315的调解员"),
       praise=("组织双方调解，帮我退回了{money}元",),
       consequences=("这笔钱是家里好几个月的生活费", "很多老人也被骗了"),
       ),
    _T("特种设备", _SAMR,
       problems=(
           "{estate}{building}栋电梯一周内困人{n}次，维保单位只是重启了事",
           "商场的自动扶梯运行时突然反转，有老人摔倒受伤",
           "{estate}的电梯检验合格证已经过期{months}个月了还在使用",
           "电梯运行时异响很大、门关不严，轿厢晃得厉害",
           "附近工地的塔吊看着很旧，不知道有没有检验过",
       ),
       questions=(
           "老旧小区的电梯多少年要更换，费用谁来承担",
           "怎么查询电梯的年检和维保记录",
       ),
       suggestions=(
           "建议在电梯轿厢内公示维保单位电话和最近一次维保时间",
           "建议对使用超过十五年的老旧电梯开展安全评估",
       ),
       staff=("特种设备安全监察科的工作人员",),
       praise=("接到反映后马上约谈了维保公司，电梯已经全面检修",),
       consequences=("楼上住着很多老人，每天都提心吊胆", "孩子上学只能走楼梯"),
       ),
    # 市住房和城乡建设局
    _T("物业", _HOUSING,
       problems=(
           "{estate}物业费一年涨了{percent}%，没有召开业主大会也没有公示收支",
           "{estate}的物业公司长期不打扫楼道，垃圾堆了{days}天也没人清",
           "{estate}物业私自把公共绿地改成收费停车位，收益去向不明",
           "{estate}物业合同到期后不肯退场，还阻挠新物业进场",
           "{estate}门禁坏了{months}个月，外来人员随便进出，物业一直推脱",
           "{estate}物业擅自动用维修基金{money}元，业主毫不知情",
       ),
       questions=(
           "成立业主委员会需要哪些条件和程序",
           "住宅专项维修资金怎么申请使用，要多少业主同意",
           "物业服务不到位，业主可以拒交物业费吗",
       ),
       suggestions=(
           "建议建立物业服务企业信用评价并向社会公布",
           "建议推动物业公司每季度在小区公示公共收益",
       ),
       staff=("物业管理科的工作人员", "社区的物业督导员"),
       praise=("组织业主和物业开了协调会，停车位问题得到了解决",),
       consequences=("业主们意见很大", "老人晚上出门都不安全"),
       ),
    _T("房屋质量", _HOUSING,
       problems=(
           "新收的{estate}{building}栋房子墙体开裂、天花板漏水，开发商{days}天都不来维修",
           "{estate}交房时的面积比合同少了{n}平方米，开发商不肯补差价",
           "{estate}外墙瓷砖大面积脱落，已经砸坏了{n}辆车",
           "楼上装修拆了承重墙，我家墙面出现了裂缝",
           "{estate}楼盘延期交房{months}个月，开发商一直没有说法",
       ),
       questions=(
           "商品房保修期是多久，开发商不维修可以找谁",
           "怎么查询一个楼盘的预售许可证和备案信息",
           "二手房买卖的资金监管怎么办理",
       ),
       suggestions=(
           "建议交房前由住建部门组织第三方对住宅质量进行抽检",
           "建议加强对装修拆改承重结构行为的巡查",
       ),
       staff=("建设工程质量监督站的工作人员",),
       praise=("到现场查看后督促开发商一周内完成了维修",),
       consequences=("一下雨家里就到处接水", "担心房子有安全隐患"),
       ),
    _T("燃气", _HOUSING,
       problems=(
           "{estate}楼道里闻到很浓的燃气味，已经{days}天了",
           "燃气公司上门安检后强制要求购买{money}元的报警器和软管",
           "{shop}在店里违规存放{n}个液化气钢瓶，离学校很近",
           "管道燃气开户费收了{money}元，不知道收费依据是什么",
           "小区改造后燃气一直没有恢复供应，已经{days}天不能做饭",
       ),
       questions=(
           "老旧小区加装管道燃气怎么申请，费用怎么分摊",
           "燃气表走得很快，怎么申请检定",
       ),
       suggestions=(
           "建议对餐饮店使用瓶装液化气开展安全检查，推广安装报警装置",
           "建议燃气公司上门安检时出示证件并不得强制推销",
       ),
       staff=("燃气管理科的工作人员", "燃气公司抢修班的师傅"),
       praise=("半夜接到电话后二十分钟就赶到现场处置了漏气",),
       consequences=("万一出事后果不堪设想", "一家人只能在外面吃饭"),
       ),
    _T("建筑工地", _HOUSING,
       problems=(
           "{road}旁边的工地渣土车不盖篷布，路面全是泥",
           "{road}的在建工地围挡倒塌，占了半条人行道",
           "工地的工人没有戴安全帽，在高处作业也不系安全带",
           "{estate}旁边的工地晚上{late_hour}点以后还在浇筑混凝土",
           "工地基坑旁边的路面出现了{n}条裂缝，担心塌陷",
       ),
       questions=(
           "工地夜间施工需要办理什么许可，在哪里可以查到",
           "建筑工地的文明施工有哪些要求",
       ),
       suggestions=(
           "建议工地出口安装车辆冲洗设施并安排专人清扫",
           "建议公示在建工程的项目信息和投诉电话",
       ),
       staff=("建设工程安全监督站的工作人员",),
       praise=("第二天就责令工地整改，现在路面干净多了",),
       consequences=("路过的行人和电动车很危险", "周边居民晚上根本睡不着"),
       ),
    # 市交通运输局
    _T("公交", _TRANSPORT,
       problems=(
           "{bus}路公交车在{road}站经常不停靠，司机直接开过去",
           "{bus}路公交司机开车很猛，急刹车导致老人摔倒",
           "{bus}路公交早高峰{minutes}分钟都等不到一班，车上挤得上不去",
           "{bus}路公交车上空调不开，司机态度很差",
           "公交卡刷了两次被扣了{small_money}元，客服说不能退",
       ),
       questions=(
           "老年人免费乘坐公交怎么办卡，需要带什么材料",
           "{bus}路公交的首末班时间是几点，线路调整在哪里查",
           "在公交车上丢了东西怎么找回",
       ),
       suggestions=(
           "建议在{road}增设一条公交线路，方便{estate}居民出行",
           "建议{bus}路早晚高峰加密班次",
           "建议在{road}公交站加装候车亭和电子站牌",
       ),
       staff=("{bus}路公交车司机", "公交公司的调度员"),
       praise=("帮我找回了落在车上的钱包，里面有{money}元现金和证件", "耐心扶一位盲人上下车"),
       consequences=("上班经常迟到", "老人和孩子出行很不方便"),
       ),
    _T("出租车/网约车", _TRANSPORT,
       problems=(
           "从拱北口岸打出租车到{road}，司机不打表要价{money}元",
           "网约车司机故意绕路，平时{small_money}元的路程收了{money}元",
           "出租车司机拒载，说{district}太远不去",
           "网约车司机半路把我们赶下车，还威胁给差评",
           "机场排队的出租车拒绝短途，拉客现象严重",
       ),
       questions=(
           "网约车司机要办理哪些证件，怎么申请网约车驾驶员证",
           "乘坐出租车被多收费，没有拿发票还能投诉吗",
       ),
       suggestions=(
           "建议在口岸和高铁站加强出租车拉客、议价的整治",
           "建议网约车平台对绕路行为自动核查并退款",
       ),
       staff=("出租车司机{person}师傅",),
       praise=("把乘客遗落的行李送到了{road}，拒绝了酬谢",),
       consequences=("外地朋友对珠海印象很差",),
       ),
    _T("道路", _TRANSPORT,
       problems=(
           "{road}路面坑洼不平，有一个深坑已经存在{days}天",
           "{road}与{road2}交叉口的红绿灯时间太短，行人过不完马路",
           "{road}的井盖松动，车辆经过时响声很大",
           "{road}施工占道{months}个月还没完工，天天堵车",
           "{road}的减速带太高，车辆经过时底盘被刮",
       ),
       questions=(
           "道路占道施工需要办理什么手续",
           "{road}的改造工程什么时候完工",
       ),
       suggestions=(
           "建议在{road}靠近学校的路段增设人行横道和减速标志",
           "建议优化{road}与{road2}路口的信号灯配时",
       ),
       staff=("公路养护中心的工作人员",),
       praise=("反映后两天就把{road}的坑洼修补好了",),
       consequences=("已经有电动车在这里摔倒", "晚上经过非常危险"),
       ),
    # 市人力资源和社会保障局
    _T("拖欠工资", _HRSS,
       problems=(
           "在{company}工作了{months}个月，公司拖欠我{money}元工资不发",
           "{estate}项目的包工头拖欠我们{n}个农民工的工钱共{big_money}元",
           "离职时公司以各种理由扣了{money}元工资",
           "公司每个月都拖到下个月月底才发工资，已经拖欠{months}个月",
           "老板说项目款没收回，拖欠工资{days}天了，人也找不到",
       ),
       questions=(
           "被拖欠工资应该准备哪些材料去劳动监察大队投诉",
           "农民工工资保证金是怎么回事，拖欠了能不能先垫付",
       ),
       suggestions=(
           "建议对建筑工地全面推行农民工工资专用账户",
           "建议公布恶意欠薪企业的黑名单",
       ),
       staff=("劳动保障监察大队的工作人员",),
       praise=("介入调查后公司在一周内补发了全部工资{money}元",),
       consequences=("快过年了家里等着这笔钱", "房租都交不起了"),
       ),
    _T("社保", _HRSS,
       problems=(
           "公司没有按实际工资给我缴社保，只按最低基数交",
           "入职{months}个月了公司一直没给我买社保",
           "养老保险转移接续办了{days}天还没办好",
           "社保卡补办后一直没有收到，已经过了{days}天",
       ),
       questions=(
           "灵活就业人员怎么在珠海缴纳养老保险和医疗保险",
           "外省的养老保险怎么转到珠海，需要哪些材料",
           "退休年龄和养老金怎么计算，在哪里可以查缴费记录",
       ),
       suggestions=(
           "建议社保业务都能在粤省事上办理，少跑窗口",
           "建议增加社保卡补换卡的网点",
       ),
       staff=("社保经办大厅的工作人员",),
       praise=("一次性告知所需材料，当天就办好了转移手续",),
       consequences=("看病报销都受影响", "影响孩子在珠海入学积分"),
       ),
    _T("劳动合同", _HRSS,
       problems=(
           "公司入职{months}个月都不签劳动合同",
           "公司以试用期不合格为由辞退我，不给任何补偿",
           "公司强制员工每天加班{hours}小时，没有加班费",
           "怀孕后公司要求我主动辞职，否则就调岗降薪",
       ),
       questions=(
           "没有签劳动合同可以要求双倍工资吗，时效是多久",
           "劳动仲裁怎么申请，需要交费吗",
           "公司单方面解除劳动合同，经济补偿怎么算",
       ),
       suggestions=(
           "建议加强对中小企业用工合同签订情况的检查",
       ),
       staff=("劳动人事争议仲裁院的工作人员",),
       praise=("详细讲解了仲裁流程，帮我顺利拿到了补偿",),
       consequences=("现在没有收入来源",),
       ),
    _T("就业", _HRSS,
       problems=(
           "在招聘网站上看到的岗位要先交{money}元培训费才给安排工作",
           "参加了职业技能培训，说好的补贴{money}元一直没发",
           "中介收了{money}元介绍费，介绍的工作根本不存在",
       ),
       questions=(
           "应届毕业生来珠海就业有哪些补贴，怎么申请",
           "失业登记怎么办理，可以领多久失业保险金",
           "职业技能等级证书的补贴标准是多少",
       ),
       suggestions=(
           "建议在{district}多举办几场针对大龄人员的招聘会",
           "建议把就业补贴申请全部搬到网上办",
       ),
       staff=("就业服务中心的工作人员",),
       praise=("帮我推荐了合适的岗位，还指导我申请了补贴",),
       ),
    # 市生态环境局
    _T("噪音", _ECO,
       problems=(
           "{estate}旁边的{shop}每天晚上{late_hour}点以后还在放音乐，噪音扰民",
           "附近工厂的机器{hours}小时不停运转，噪音非常大",
           "{road}一家KTV每晚唱到凌晨，楼上住户无法入睡",
           "{estate}楼下的空调外机和冷却塔噪音很大，晚上嗡嗡响",
           "凌晨{early_hour}点工地还在打桩，噪音扰民",
       ),
       questions=(
           "夜间噪音的标准是多少分贝，超过了怎么处理",
           "邻居装修噪音能管到几点，找哪个部门",
       ),
       suggestions=(
           "建议在{road}住宅密集区设置噪声监测显示屏",
           "建议对夜间施工许可加强公示和监管",
       ),
       staff=("生态环境执法人员",),
       praise=("晚上专门来现场监测，问题很快得到解决",),
       consequences=("老人和孩子长期睡不好觉", "已经严重影响休息和身体健康"),
       ),
    _T("空气/水污染", _ECO,
       problems=(
           "{district}一家工厂晚上偷偷排放刺鼻的废气，味道很大",
           "{road}附近的河涌发黑发臭，有工厂往里面排污水",
           "{company}在厂区露天焚烧垃圾，浓烟很大",
           "附近汽修厂喷漆没有任何环保设施，油漆味很重",
           "海边发现大片死鱼，怀疑上游有人排放污水",
       ),
       questions=(
           "怎么查询企业的排污许可证和环评信息",
           "在小区附近建加油站需要做环评吗，居民能提意见吗",
       ),
       suggestions=(
           "建议公开{district}重点排污企业的在线监测数据",
           "建议加强对河涌的巡查，定期公布水质",
       ),
       staff=("生态环境局的执法队员",),
       praise=("深夜蹲点查处了偷排的企业",),
       consequences=("家里窗户都不敢开", "孩子一直咳嗽"),
       ),
    _T("油烟", _ECO,
       problems=(
           "{estate}楼下的{shop}没有安装油烟净化器，油烟直接排进住户家里",
           "{shop}的排烟管道对着居民窗户，每天油烟呛人",
           "{road}一排烧烤店油烟很大，晚上整条街都是烟",
       ),
       questions=(
           "住宅楼下开餐馆需要满足哪些油烟排放要求",
       ),
       suggestions=(
           "建议居民楼下的餐饮店统一安装油烟在线监测",
       ),
       staff=("环境执法大队的工作人员",),
       praise=("督促餐馆加装了油烟净化设备，现在空气好多了",),
       consequences=("衣服都不能晾在外面", "家里墙面都被熏黄了"),
       ),
    # 市城市管理和综合执法局
    _T("占道经营", _URBAN,
       problems=(
           "{road}人行道上每天傍晚都有{n}多个流动摊贩占道经营",
           "{shop}把桌椅摆到人行道上，行人只能走机动车道",
           "{road}菜市场门口的摊贩占道经营，早上堵得过不去",
           "{estate}门口的夜宵摊占道经营，垃圾满地",
       ),
       questions=(
           "摆地摊有没有规定的区域，在哪里可以申请",
           "商户门前三包的责任具体是什么",
       ),
       suggestions=(
           "建议在{district}规划几处便民摊点，疏堵结合",
       ),
       staff=("城管执法中队的队员",),
       praise=("耐心劝导摊贩搬到了指定区域，人行道恢复了畅通",),
       consequences=("盲道全被占了", "学生放学只能走马路"),
       ),
    _T("违建", _URBAN,
       problems=(
           "{estate}顶楼业主私自在天台搭建了{n}十平方米的彩钢房",
           "{estate}一楼住户把花园围起来加建房屋",
           "{road}附近有人在农用地上违法建房，已经盖到{n}层",
           "楼下商铺私自开挖地下室，还拆了外墙",
       ),
       questions=(
           "阳台封窗算不算违章建筑",
           "举报违建后多久会处理，结果在哪里查",
       ),
       suggestions=(
           "建议对小区违建开展集中清理，并公布处理结果",
       ),
       staff=("综合执法局的执法人员",),
       praise=("依法拆除了天台违建，还了业主公共空间",),
       consequences=("楼顶防水层被破坏，顶楼一直漏水", "存在很大的消防隐患"),
       ),
    _T("垃圾", _URBAN,
       problems=(
           "{road}的垃圾桶{days}天没人清运，臭气熏天",
           "有人在{road}的空地上偷倒建筑垃圾，已经堆成小山",
           "{estate}门口垃圾分类投放点满了也没人收",
           "垃圾车清运时污水滴了一路，气味很大",
       ),
       questions=(
           "装修垃圾怎么处理，大件垃圾有没有预约清运",
           "垃圾分类的投放时间是怎么规定的",
       ),
       suggestions=(
           "建议在{road}增设分类垃圾桶，并增加清运频次",
       ),
       staff=("环卫工人", "环卫所的工作人员"),
       praise=("天不亮就把街道清扫得干干净净",),
       consequences=("蚊蝇滋生，附近居民苦不堪言",),
       ),
    _T("路灯", _URBAN,
       problems=(
           "{road}有{n}盏路灯不亮，已经坏了{days}天",
           "{estate}附近的路灯白天亮着晚上反而不亮",
           "{road}的路灯杆被车撞歪了，随时可能倒下",
       ),
       questions=(
           "路灯坏了应该找哪个部门报修",
       ),
       suggestions=(
           "建议在{road}的人行道增设路灯，晚上太黑",
       ),
       staff=("路灯管理所的维修师傅",),
       praise=("第二天晚上路灯就全部修好了",),
       consequences=("晚上走路很不安全", "已经发生过抢包事件"),
       ),
    # 市公安局 (non-emergency only: emergencies go to 110 and are excluded here)
    _T("户籍", _POLICE,
       problems=(
           "办理孩子落户跑了{n}次派出所，每次都说材料不齐",
           "户口迁入珠海的申请提交了{days}天还没有结果",
           "身份证补办后一直没有收到，已经超过{days}天",
       ),
       questions=(
           "人才引进落户珠海需要什么条件和材料",
           "新生儿入户可以网上办理吗，需要父母到场吗",
           "居住证怎么办理，多久可以拿到",
       ),
       suggestions=(
           "建议户籍业务实行一次性告知，材料清单在网上公布",
       ),
       staff=("派出所户籍窗口的民警",),
       praise=("利用午休时间帮我加急办理了户口迁移",),
       ),
    _T("出入境证件", _POLICE,
       problems=(
           "港澳通行证续签预约不上，系统一直显示约满",
           "护照办理超过{days}天还没有寄到",
       ),
       questions=(
           "港澳通行证签注可以在自助机上办理吗",
           "横琴居民办理澳门多次往返签注需要什么条件",
           "护照过期了换发需要哪些材料，要多少天",
       ),
       suggestions=(
           "建议在{district}增加出入境自助签注机",
       ),
       staff=("出入境管理支队的民警",),
       praise=("帮出国读书的孩子加急办理了护照",),
       ),
    _T("治安", _POLICE,
       problems=(
           "{road}附近经常有人聚集赌博，影响周边秩序",
           "{estate}地下车库的电动车经常被盗，已经丢了{n}辆",
           "{road}有人长期在路口派发小广告和诈骗传单",
           "{estate}附近有人长期违规飞无人机拍居民家里",
       ),
       questions=(
           "电动车被盗后怎么报案，能查询进展吗",
           "收到疑似诈骗短信该向哪里举报",
       ),
       suggestions=(
           "建议在{estate}周边加强夜间巡逻，增设监控",
       ),
       staff=("辖区派出所的民警",),
       praise=("很快帮我找回了被盗的电动车",),
       consequences=("居民晚上不敢出门",),
       ),
    # 市卫生健康局
    _T("医疗服务", _HEALTH,
       problems=(
           "在{hospital}看急诊等了{hours}个小时都没有医生接诊",
           "{hospital}的医生态度很差，问两句就不耐烦",
           "{hospital}做检查时重复收费，多收了{money}元",
           "附近有一家无证诊所在给人打针输液",
       ),
       questions=(
           "异地就医需要办理什么手续，能在{hospital}看吗",
           "怎么预约{hospital}的专家号",
           "家庭医生签约怎么办理，有什么服务",
       ),
       suggestions=(
           "建议{hospital}增加夜间儿科门诊",
           "建议简化医院的挂号流程，增加老人专用窗口",
       ),
       staff=("{hospital}的医护人员", "{hospital}急诊科的{person}医生"),
       praise=("连续抢救了几个小时，救回了我父亲", "对老人特别耐心细致"),
       consequences=("病人疼得受不了", "耽误了治疗"),
       ),
    _T("疫苗", _HEALTH,
       problems=(
           "社区卫生服务中心的HPV疫苗预约{months}个月都约不上",
           "孩子接种疫苗后发烧，接种点不给出具说明",
           "疫苗接种点排队{hours}个小时，只有一个窗口",
       ),
       questions=(
           "九价HPV疫苗在哪里可以预约，适用年龄是多少",
           "孩子的免疫规划疫苗漏打了怎么补种",
           "成人流感疫苗在哪个社区卫生服务中心可以打",
       ),
       suggestions=(
           "建议疫苗预约放号时间固定并提前公布",
       ),
       staff=("社区卫生服务中心的接种护士",),
       praise=("打针很轻，孩子一点都没哭",),
       ),
    # 市教育局
    _T("入学", _EDU,
       problems=(
           "孩子符合积分入学条件，却被分配到离家{km}公里外的学校",
           "学位申请材料提交后显示审核不通过，没有说明原因",
           "{school}开学前要求家长购买{money}元的指定校服和教辅",
       ),
       questions=(
           "非珠海户籍的孩子怎么申请公办学校学位，积分怎么算",
           "小学一年级报名需要哪些材料，什么时候开始",
           "转学到{district}的学校要办理什么手续",
       ),
       suggestions=(
           "建议在{district}新建一所公办小学，学位太紧张",
           "建议公布各学校学位的分配规则和结果",
       ),
       staff=("{school}的老师", "教育局招生办的工作人员"),
       praise=("加班加点帮我们核对了入学材料",),
       consequences=("孩子每天上学要花一个多小时", "担心孩子没有学上"),
       ),
    _T("校外培训", _EDU,
       problems=(
           "{road}的一家培训机构收了{money}元学费后关门了",
           "培训机构在周末违规开展学科类培训",
           "校外培训机构不肯退还剩余{n}节课的课时费",
       ),
       questions=(
           "怎么查询校外培训机构是否具备办学资质",
           "校外培训预收费资金监管是怎么规定的",
       ),
       suggestions=(
           "建议公布有资质的校外培训机构白名单",
       ),
       staff=("教育局校外培训监管科的工作人员",),
       praise=("督促机构退还了全部剩余学费",),
       ),
    # 市医疗保障局
    _T("医保报销", _MEDINS,
       problems=(
           "住院花了{big_money}元，医保报销比例比说的低很多",
           "在外地住院回珠海报销，材料交了{days}天还没到账",
           "药店刷医保卡买药被要求搭配买保健品",
           "{hospital}诱导住院，把门诊能做的检查改成住院报销",
       ),
       questions=(
           "门诊特定病种怎么申请，报销比例是多少",
           "异地就医备案怎么办，可以在手机上办吗",
           "医保个人账户的钱能给家人用吗",
       ),
       suggestions=(
           "建议把更多的慢性病用药纳入门诊报销",
           "建议医保报销实现全部线上办理",
       ),
       staff=("医保经办中心的工作人员",),
       praise=("帮我一次性办好了异地就医备案",),
       consequences=("家里经济压力很大",),
       ),
    # 市水务局
    _T("停水", _WATER,
       problems=(
           "{estate}从昨天{early_hour}点开始停水，到现在都没有通知什么时候恢复",
           "{road}的自来水管爆裂，水流了{hours}个小时没人处理",
           "{estate}停水前没有任何通知，已经停了{days}天",
           "自来水发黄有异味，烧开后有很多沉淀",
       ),
       questions=(
           "计划停水的通知在哪里可以查到",
           "水费突然比上个月多了{small_money}元，怎么申请核查水表",
       ),
       suggestions=(
           "建议停水前至少提前一天通过短信通知居民",
       ),
       staff=("供水抢修队的师傅",),
       praise=("连夜抢修，天亮前就恢复了供水",),
       consequences=("老人孩子连洗澡做饭都成问题", "店里没法营业"),
       ),
    _T("水压", _WATER,
       problems=(
           "{estate}{building}栋高层水压太低，{n}楼以上白天基本没水",
           "{estate}的二次供水水箱很久没清洗，水里有杂质",
           "每天早晚用水高峰时水压很小，热水器都打不着",
       ),
       questions=(
           "高层住宅二次供水设施由谁负责管理维护",
       ),
       suggestions=(
           "建议对{estate}的二次供水设施进行改造",
       ),
       staff=("供水公司的工作人员",),
       praise=("上门检测后更换了加压泵，水压恢复正常",),
       consequences=("洗衣机都用不了",),
       ),
    # 市自然资源局
    _T("不动产登记", _LAND,
       problems=(
           "{estate}交房{months}个月了，开发商一直不给办不动产登记",
           "办理不动产登记时窗口要求提供很多不必要的证明",
           "不动产权证书上的面积和合同不一致，申请更正{days}天没结果",
       ),
       questions=(
           "二手房过户的不动产登记需要哪些材料，能网上预约吗",
           "继承房产怎么办理不动产登记",
           "不动产登记信息怎么查询，能不能查别人名下的房子",
       ),
       suggestions=(
           "建议不动产登记和水电气过户一并办理",
       ),
       staff=("不动产登记中心的窗口工作人员",),
       praise=("延时服务帮我们当天办结了过户",),
       consequences=("孩子上学要用房产证，现在很着急", "影响了贷款办理"),
       ),
    # 国家税务总局珠海市税务局
    _T("发票", _TAX,
       problems=(
           "{shop}消费了{money}元，拒绝开具发票",
           "{shop}开发票要求加收{percent}%的税点",
           "{company}虚开发票，用假发票报销",
       ),
       questions=(
           "个体户怎么申领数电发票",
           "开错的发票怎么红冲",
       ),
       suggestions=(
           "建议加大对餐饮行业不开发票行为的检查",
       ),
       staff=("税务局办税服务厅的工作人员",),
       praise=("远程帮我解决了开票系统的问题",),
       ),
    _T("退税", _TAX,
       problems=(
           "个税汇算清缴申请退税{money}元，{days}天还没有到账",
           "个税APP显示我在{company}有收入，但我从来没在那里工作",
       ),
       questions=(
           "个人所得税专项附加扣除怎么填，赡养老人怎么分摊",
           "小规模纳税人增值税减免政策怎么享受",
           "出口退税申报需要准备哪些资料",
       ),
       suggestions=(
           "建议个税退税审核进度能在APP上实时查看",
       ),
       staff=("税务局纳税服务科的工作人员",),
       praise=("耐心指导我完成了个税汇算",),
       ),
    # 市政务服务数据管理局
    _T("办事系统", _GOVSVC,
       problems=(
           "粤省事上的{svc}一直提示系统繁忙，试了{n}次都提交不了",
           "政务服务网的账号登录不上，人脸识别总是失败",
           "网上申请了{svc}，显示已受理但{days}天没有任何进展",
       ),
       questions=(
           "{svc}能不能全程网上办理，在哪个入口",
           "粤省事和政务服务网的账号是通用的吗",
       ),
       suggestions=(
           "建议优化政务服务网的页面，老年人看不懂",
           "建议{svc}实现“秒批”",
       ),
       staff=("政务服务中心的帮办代办员",),
       praise=("手把手教我在手机上办好了{svc}",),
       consequences=("耽误了很多时间",),
       ),
    _T("政务服务", _GOVSVC,
       problems=(
           "在市政务服务中心{svc}窗口排队{hours}个小时，只开了{n}个窗口",
           "政务服务中心窗口人员态度冷漠，不一次性告知所需材料",
           "{district}政务服务中心中午不办公，上班族根本没时间办事",
       ),
       questions=(
           "市政务服务中心周末有没有延时服务",
           "办理{svc}需要本人到场吗，可以代办吗",
       ),
       suggestions=(
           "建议政务服务中心推行预约办和周末办",
           "建议在{district}增设自助服务终端",
       ),
       staff=("政务服务中心{svc}窗口的工作人员",),
       praise=("主动延时服务，让我下班后也办成了事",),
       ),
    # enterprise lane (涉企服务专席)
    _T("惠企政策兑现", _INDUSTRY, lane="enterprise",
       problems=(
           "我司申请的{policy}已经公示{months}个月，资金{big_money}元还没有拨付",
           "我司符合{policy}的条件，但申报系统一直无法提交",
           "{policy}的申报材料要求反复变化，已经退回修改{n}次",
       ),
       questions=(
           "{policy}的申报条件和截止时间是什么",
           "企业如何享受“免申即享”的惠企政策，需要做什么",
           "我司是新落户的企业，可以申请哪些扶持资金",
       ),
       suggestions=(
           "建议把各部门的惠企政策集中在一个平台发布和兑现",
           "建议{policy}缩短审核周期，尽快拨付",
       ),
       staff=("工信局企业服务科的工作人员",),
       praise=("主动上门辅导我司申报{policy}，资金已经到账",),
       consequences=("企业现金流十分紧张", "影响了新产线的投产计划"),
       ),
    _T("融资", _INDUSTRY, lane="enterprise",
       problems=(
           "我司申请了中小企业贷款贴息，{months}个月没有结果",
           "银行要求我司额外购买{money}元理财产品才肯放贷",
           "我司是科技型中小企业，申请信用贷款一直被银行拒绝",
       ),
       questions=(
           "中小微企业融资担保有哪些政策，担保费有补贴吗",
           "应急转贷资金怎么申请，需要什么条件",
           "知识产权质押融资的流程是怎样的",
       ),
       suggestions=(
           "建议搭建政银企对接平台，定期举办融资对接会",
       ),
       staff=("工信局中小企业服务中心的工作人员",),
       praise=("帮我司对接了银行，{big_money}元贷款很快获批",),
       consequences=("订单做不了，面临违约",),
       ),
    _T("用工", _HRSS, lane="enterprise",
       problems=(
           "我司新厂投产急需招聘{n}十名普工，但招工非常困难",
           "我司申请的稳岗补贴{money}元一直没有到账",
           "我司申请以工代训补贴被退回，没有说明原因",
       ),
       questions=(
           "企业招用应届毕业生有哪些社保补贴，怎么申请",
           "企业新录用员工的岗前培训补贴标准是多少",
           "企业可以委托人社部门组织专场招聘会吗",
       ),
       suggestions=(
           "建议在{district}园区建立共享用工平台，解决季节性缺工",
       ),
       staff=("人社局企业服务专员",),
       praise=("帮我司组织了专场招聘会，一次招到了{n}十名员工",),
       consequences=("订单交付面临延期",),
       ),
    _T("用水报装", _WATER, lane="enterprise",
       problems=(
           "我司厂房申请用水报装{days}天了，供水公司还没有上门勘察",
           "我司新厂的供水管网接驳费用报价{big_money}元，明显偏高",
       ),
       questions=(
           "企业新装用水需要提交哪些材料，多长时间可以通水",
           "工业用水报装能不能网上办理",
       ),
       suggestions=(
           "建议用水报装实行“零上门、零审批、零投资”",
       ),
       staff=("供水公司客户经理",),
       praise=("上门服务，三天就为我司完成了接水",),
       consequences=("厂房建好了却无法投产",),
       ),
    _T("用电报装", _DRC, lane="enterprise",
       problems=(
           "我司申请{kva}千伏安的用电增容，{days}天了还没有批复",
           "我司新厂房用电报装被要求自建{n}公里线路，费用太高",
       ),
       questions=(
           "企业低压用电报装需要哪些材料，办理时限是多少",
           "企业用电增容的审批流程是怎样的",
       ),
       suggestions=(
           "建议园区统一建设配电设施，降低企业接电成本",
       ),
       staff=("发改局能源科的工作人员",),
       praise=("协调供电部门提前一周完成了我司的送电",),
       consequences=("新设备只能闲置",),
       ),
    _T("审批服务", _GOVSVC, lane="enterprise",
       problems=(
           "我司办理{permit}，材料齐全但超过承诺时限{days}天还未办结",
           "我司办理{permit}时被要求提供{n}份其他部门已有的证明材料",
           "我司在{district}办理{permit}，各部门之间来回跑了{n}趟",
       ),
       questions=(
           "{permit}需要哪些材料，可以全程网办吗",
           "企业开办一网通办的流程是什么，多久能领到执照",
       ),
       suggestions=(
           "建议{permit}推行容缺受理和并联审批",
       ),
       staff=("政务服务中心企业服务专区的工作人员",),
       praise=("帮我司协调各部门，一周就拿到了{permit}",),
       consequences=("项目开工被耽误",),
       ),
    _T("知识产权", _SAMR, lane="enterprise",
       problems=(
           "我司的注册商标被{district}一家企业仿冒使用，销售假冒产品",
           "我司的专利产品被电商平台上{n}家店铺仿制销售",
           "我司申请的专利资助{money}元迟迟没有发放",
       ),
       questions=(
           "企业申请发明专利有哪些资助政策",
           "商标被抢注了应该怎么维权",
           "知识产权侵权纠纷可以申请行政裁决吗",
       ),
       suggestions=(
           "建议设立知识产权快速维权中心，缩短维权周期",
       ),
       staff=("知识产权保护中心的工作人员",),
       praise=("快速查处了侵权行为，保护了我司的商标",),
       consequences=("我司的销售额下降了{percent}%",),
       ),
)  # fmt: skip
del _T

TOPICS: dict[str, TopicSpec] = {spec.name: spec for spec in _TOPIC_LIST}
UNITS: dict[str, tuple[str, ...]] = {}
for _spec in _TOPIC_LIST:
    UNITS.setdefault(_spec.unit, ())
    UNITS[_spec.unit] = (*UNITS[_spec.unit], _spec.name)
del _spec

# Pairs that overlap in real life: a text about the first topic often also mentions the second
# (and vice versa), which makes the dispatch decision genuinely ambiguous for some orders.
_OVERLAPS: dict[str, tuple[str, ...]] = {
    "物业": ("噪音", "垃圾", "违建", "水压", "特种设备"),
    "噪音": ("物业", "建筑工地", "油烟"),
    "建筑工地": ("噪音", "道路", "拖欠工资"),
    "油烟": ("噪音", "占道经营", "食品安全"),
    "占道经营": ("食品安全", "油烟", "垃圾"),
    "垃圾": ("物业", "占道经营"),
    "违建": ("物业", "房屋质量"),
    "医疗服务": ("医保报销", "疫苗"),
    "医保报销": ("医疗服务",),
    "社保": ("医保报销", "劳动合同"),
    "劳动合同": ("拖欠工资", "社保"),
    "拖欠工资": ("劳动合同",),
    "水压": ("物业", "停水"),
    "停水": ("水压", "道路"),
    "消费维权": ("价格", "校外培训"),
    "价格": ("消费维权",),
    "办事系统": ("政务服务",),
    "政务服务": ("办事系统", "户籍"),
    "审批服务": ("办事系统",),
    "用工": ("拖欠工资", "就业"),
    "道路": ("路灯", "公交"),
}
# A short clause naming the second topic, used when a text overlaps.
_SIDE_REMARKS: dict[str, tuple[str, ...]] = {
    "噪音": ("而且晚上噪音也很大", "还有噪音扰民的问题"),
    "物业": ("找物业反映过，物业说不归他们管", "物业公司也不作为"),
    "垃圾": ("旁边的垃圾也没人清理", "垃圾堆在路边发臭"),
    "违建": ("楼顶还有人搭了违建", "旁边还有一处违章搭建"),
    "水压": ("楼上水压也一直不够", "高峰时水压很低"),
    "特种设备": ("电梯也经常坏", "电梯困人也没人管"),
    "建筑工地": ("旁边工地还在施工", "工地渣土车来回跑"),
    "油烟": ("油烟也很大", "楼下餐馆油烟呛人"),
    "道路": ("路面也坑坑洼洼", "路上还有个大坑"),
    "拖欠工资": ("工资也拖欠了两个月", "还欠着工人的工资"),
    "食品安全": ("卫生状况也很差", "卖的东西也不新鲜"),
    "占道经营": ("门口还摆摊占道", "摊贩把人行道都占了"),
    "医保报销": ("医保报销也有问题", "报销比例也不清楚"),
    "疫苗": ("打疫苗也要排很久", "疫苗也约不上"),
    "医疗服务": ("医院的服务也很差", "看病也很难"),
    "劳动合同": ("公司也没有签劳动合同", "劳动合同也一直没签"),
    "社保": ("社保也没有交", "也没有买社保"),
    "停水": ("最近还经常停水", "前几天还停过水"),
    "价格": ("价格还乱涨", "收费也不透明"),
    "校外培训": ("孩子报的培训班也退不了费", "培训机构也关门了"),
    "政务服务": ("去窗口办也排很久", "窗口也说办不了"),
    "办事系统": ("网上也办不了", "系统一直提示出错"),
    "户籍": ("户口迁移也卡着", "落户也没办下来"),
    "路灯": ("晚上路灯也不亮", "路灯也坏了好几盏"),
    "公交": ("公交车也绕不过去", "公交站也被占了"),
    "就业": ("找工作也很难", "招聘也没什么岗位"),
    "房屋质量": ("房子本身也有渗水", "墙面也开裂了"),
}

# Units that also close orders of a topic in practice, with their share. Dispatch catalogues
# differ on these boundaries (社会生活噪声: 生态环境 or 公安; 餐饮油烟: 生态环境 or 城管 after the
# 综合执法 reform; 农用地上建房: 城管 or 自然资源 …), so the unit recorded on a closed order is not
# a function of the text: this is the irreducible error a classifier meets on real orders.
_ALTERNATE_UNITS: dict[str, tuple[tuple[str, float], ...]] = {
    "噪音": ((_POLICE, 0.08), (_URBAN, 0.08)),
    "油烟": ((_URBAN, 0.2),),
    "建筑工地": ((_ECO, 0.08), (_URBAN, 0.05)),
    "违建": ((_LAND, 0.12),),
    "垃圾": ((_HOUSING, 0.06),),
    "占道经营": ((_SAMR, 0.05),),
    "治安": ((_URBAN, 0.05),),
    "医保报销": ((_HEALTH, 0.08),),
    "医疗服务": ((_MEDINS, 0.05),),
    "就业": ((_EDU, 0.03),),
    "校外培训": ((_SAMR, 0.08),),
    "办事系统": ((_POLICE, 0.04), (_HRSS, 0.04)),
    "政务服务": ((_HRSS, 0.04),),
    "审批服务": ((_HOUSING, 0.05), (_SAMR, 0.05)),
    "水压": ((_HOUSING, 0.1),),
    "惠企政策兑现": ((_HRSS, 0.05), (_GOVSVC, 0.05)),
    "融资": ((_GOVSVC, 0.05),),
    "道路": ((_URBAN, 0.06),),
    "路灯": ((_TRANSPORT, 0.05),),
    "燃气": ((_SAMR, 0.05),),
}
# When a text carries a whole second problem, the order sometimes went to that problem's unit.
_SECOND_PROBLEM_WINS = 0.35


# --- generic sentence parts --------------------------------------------------------------------

_OPENINGS = (
    "您好，", "你好，", "您好！", "工作人员您好，", "12345您好，", "", "", "", "领导好，",
    "麻烦您，", "打扰一下，",
)  # fmt: skip
_CITIZEN_IDENTITY = (
    "我是{district}{street}{estate}的居民，", "我是{estate}{building}栋的业主，",
    "我住在{street}{estate}，", "本人是{street}的居民，", "我是一名外来务工人员，",
    "我是{street}的市民，",
    "我是退休老人，", "我家住{road}附近，", "我是{estate}的租户，", "我是在{district}上班的，",
    "", "", "",
)  # fmt: skip
_ENTERPRISE_IDENTITY = (
    "我是{company}的负责人，", "我们是位于{district}的{company}，", "我是{company}的行政经理，",
    "我司是{district}的一家小微企业，", "本企业为{company}，", "我是{company}的财务，",
)  # fmt: skip
_TIMES = (
    "最近一段时间", "从上个月开始", "今天上午", "昨天晚上", "这{days}天来", "上周{weekday}",
    "{months}个月以来", "今年{month}月份以来", "每天晚上", "近期", "前天下午", "本月{day}号",
    "春节前后", "国庆期间", "",
)  # fmt: skip
_LOCATIONS = (
    "在{district}{street}", "在{road}", "在{street}{road}附近", "在{estate}", "在{district}",
    "{district}{road}一带", "",
)  # fmt: skip
_ATTEMPTS = (
    "之前已经打过{n}次电话反映，一直没有解决。", "找过社区，社区说不归他们管。",
    "和对方协商过，对方不理睬。", "上个月已经反映过一次，到现在没有回音。",
    "在网上留言也没人回复。", "已经拍了照片和视频，可以提供。", "有聊天记录和收据为证。",
    "", "", "",
)  # fmt: skip
_REQUESTS: dict[str, tuple[str, ...]] = {
    "help": (
        "希望相关部门帮忙协调解决。",
        "请帮帮我们，尽快处理。",
        "恳请有关部门帮忙解决。",
        "请尽快派人来看看。",
        "希望能帮忙联系一下。",
        "实在没办法了，请求帮助。",
    ),
    "complaint": (
        "要求相关部门尽快调查处理，并给予答复。",
        "请相关部门依法处理。",
        "希望尽快整改，给我们一个说法。",
        "强烈要求有关部门严肃处理。",
        "请督促对方整改并回复处理结果。",
        "希望职能部门尽快介入。",
    ),
    "report": (
        "请相关部门依法查处。",
        "希望执法部门尽快核查，对我的信息保密。",
        "请有关部门调查核实并处理。",
        "要求依法严查，举报人要求保密。",
        "希望尽快查处，杜绝此类行为。",
    ),
    "consult": (
        "麻烦告知一下，谢谢。",
        "请工作人员回电解答。",
        "想了解具体的办理流程。",
        "请问应该找哪个部门？",
        "希望能给个明确答复。",
        "",
        "",
    ),
    "suggestion": (
        "希望相关部门考虑采纳。",
        "以上建议供参考。",
        "希望能得到重视。",
        "盼回复，谢谢。",
        "",
    ),
    "praise": (
        "特此表扬，感谢！",
        "希望给予表扬。",
        "请转达我们的感谢。",
        "为他们点赞！",
        "感谢政府部门的高效服务。",
    ),
}
_CATEGORY_LEADS: dict[str, tuple[str, ...]] = {
    "help": ("现在遇到一个困难，", "想求助一下，", "有件急事想求助，", ""),
    "complaint": ("我要投诉，", "我想反映一个问题，", "我要反映，", "投诉：", ""),
    "report": ("我要举报，", "实名举报，", "匿名举报：", "举报一个情况，", ""),
    "consult": ("想咨询一下，", "请问一下，", "咨询：", "我想问一下，", ""),
    "suggestion": ("提个建议，", "我有一个建议，", "建议：", "作为市民提一点建议，", ""),
    "praise": ("我想表扬一下", "特别想感谢", "我要表扬", "非常感谢"),
}
_WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
_HOSPITALS = (
    "市人民医院", "市中西医结合医院", "市妇幼保健院", "斗门区侨立中医院", "金湾区人民医院",
    "高新区人民医院", "香洲区人民医院", "社区卫生服务中心",
)  # fmt: skip
_SCHOOLS = ("某小学", "某实验学校", "某中学", "附近的公办小学", "某九年一贯制学校")
_SERVICES = (
    "居住证签注", "新生儿入户", "公积金提取", "营业执照变更", "社保卡申领", "结婚登记预约",
    "港澳通行证签注", "不动产登记预约", "个体户注册", "老年人优待证",
)  # fmt: skip
_POLICIES = (
    "工业企业技术改造扶持资金", "专精特新企业奖励", "高新技术企业认定奖励", "稳岗补贴",
    "企业上规模奖励", "研发费用补助", "外贸企业出口信用保险补贴", "首台套装备奖励",
)  # fmt: skip
_PERMITS = (
    "施工许可证", "食品经营许可证", "建设工程规划许可证", "排污许可证", "消防验收备案",
    "道路运输经营许可证", "医疗器械经营许可证",
)  # fmt: skip


class _Slots(dict):
    """A mapping that draws a fresh value for each ``{slot}`` the first time a template asks.

    A slot drawn once keeps its value for the whole text, so "{estate}" mentioned twice in one
    request names the same estate.
    """

    def __init__(self, rng: random.Random, district: str, street: str) -> None:
        super().__init__(district=district, street=street)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        makers = {
            "estate": lambda: rng.choice(_ESTATE_HEAD) + rng.choice(_ESTATE_TAIL),
            "building": lambda: str(rng.randint(1, 28)),
            "road": lambda: rng.choice(_ROADS),
            "road2": lambda: rng.choice([r for r in _ROADS if r != self.get("road")]),
            "shop": lambda: _shop_phrase(rng),
            "company": lambda: rng.choice(_COMPANY_HEAD) + rng.choice(_COMPANY_KIND),
            "person": lambda: rng.choice(_PEOPLE),
            "n": lambda: str(rng.choice((2, 2, 3, 3, 4, 5, 6, 8, 10))),
            "days": lambda: str(rng.choice((2, 3, 5, 7, 10, 15, 20, 30, 45))),
            "months": lambda: str(rng.randint(2, 14)),
            "hours": lambda: str(rng.randint(2, 12)),
            "minutes": lambda: str(rng.choice((25, 30, 40, 45, 50, 60))),
            "late_hour": lambda: str(rng.choice((10, 11, 12))),
            "early_hour": lambda: str(rng.randint(1, 6)),
            "money": lambda: str(
                rng.choice((2, 3, 5, 6, 8, 12, 15, 20, 38)) * 100 + rng.choice((0, 0, 0, 50, 80))
            ),
            "small_money": lambda: str(rng.randint(5, 90)),
            "big_money": lambda: f"{rng.randint(2, 98)}万",
            "percent": lambda: str(rng.choice((10, 15, 20, 30, 40, 50))),
            "km": lambda: str(rng.randint(3, 15)),
            "kva": lambda: str(rng.choice((250, 400, 630, 800, 1250))),
            "bus": lambda: (
                str(
                    rng.choice(
                        (1, 2, 3, 4, 8, 9, 10, 12, 13, 25, 26, 30, 60, 99, 201, 202, 605, 801, 903)
                    )
                )
                + rng.choice(("", "", "", "A"))
            ),
            "weekday": lambda: rng.choice(_WEEKDAYS),
            "month": lambda: str(rng.randint(1, 12)),
            "day": lambda: str(rng.randint(1, 28)),
            "hospital": lambda: rng.choice(_HOSPITALS),
            "school": lambda: rng.choice(_SCHOOLS),
            "svc": lambda: rng.choice(_SERVICES),
            "policy": lambda: rng.choice(_POLICIES),
            "permit": lambda: rng.choice(_PERMITS),
        }
        value = makers[key]()
        if key not in _FRESH_SLOTS:
            self[key] = value
        return value


# Figures are drawn anew at each use (two amounts in one text differ); names are kept.
_FRESH_SLOTS = frozenset(
    ("n", "days", "months", "hours", "minutes", "money", "small_money", "big_money", "percent")
)


def _shop_phrase(rng: random.Random) -> str:
    name = rng.choice(_SHOP_HEAD) + rng.choice(_SHOP_TAIL)
    form = rng.randrange(4)
    if form == 0:
        return f"一家叫“{name}”的店"
    if form == 1:
        return f"附近的{name}"
    if form == 2:
        return f"“{name}”"
    return f"一家{name[-2:] if name.endswith(('店', '厅')) else name[-3:]}"


def _masked_phone(rng: random.Random) -> str:
    # Fake and masked: only the prefix and last four digits are shown, never 11 digits in a row.
    return f"{rng.choice(_MOBILE_PREFIX)}****{''.join(rng.choices(string.digits, k=4))}"


def _fill(template: str, slots: _Slots) -> str:
    return template.format_map(slots)


def _body(spec: TopicSpec, category: str, rng: random.Random, slots: _Slots) -> list[str]:
    """The category-specific core of the request, as a list of sentences."""
    parts: list[str] = []
    when = _fill(rng.choice(_TIMES), slots)
    where = _fill(rng.choice(_LOCATIONS), slots)
    lead = rng.choice(_CATEGORY_LEADS[category])
    if category == "consult":
        asked = rng.choice(spec.questions)
        question = _fill(asked, slots)
        if rng.random() < 0.35 and "问" not in lead:
            question = "请问" + question
        parts.append(lead + question + ("？" if rng.random() < 0.85 else "。"))
        if rng.random() < 0.4:
            parts.append(
                _fill(
                    rng.choice(
                        (
                            "我在网上查了很久没找到明确说法。",
                            "打了好几个电话都说不清楚。",
                            "之前去窗口问过，说法不一样。",
                            "家里老人不会用手机，只能打电话问。",
                            "{days}天后就要用，比较着急。",
                        )
                    ),
                    slots,
                )
            )
        others = [q for q in spec.questions if q != asked]
        if others and rng.random() < 0.3:
            parts.append(
                rng.choice(("另外，", "还有，", "顺便问下，", ""))
                + _fill(rng.choice(others), slots)
                + "？"
            )
    elif category == "suggestion":
        proposal = _fill(rng.choice(spec.suggestions), slots)
        if "建议" in lead and proposal.startswith("建议"):
            proposal = proposal[2:]  # not "建议：建议…"
        parts.append(lead + proposal + "。")
        if rng.random() < 0.6:
            reason = _fill(rng.choice(spec.problems), slots)
            parts.insert(
                0,
                rng.choice(("现在", "目前", "我发现", "据我观察，")) + when + where + reason + "，",
            )
            if rng.random() < 0.5:
                parts[0] = parts[0].rstrip("，") + "。"
    elif category == "praise":
        staff = _fill(rng.choice(spec.staff), slots)
        deed = _fill(rng.choice(spec.praise), slots)
        story = _fill(rng.choice(spec.problems), slots) if rng.random() < 0.6 else ""
        if story:
            parts.append(
                rng.choice(("之前反映过", "前段时间遇到", "上个月我们遇到了"))
                + story
                + "的问题，"
                + staff
                + deed
                + "。"
            )
            parts.append(lead + rng.choice(("这位", "他们", "")) + "工作人员的责任心。")
        else:
            parts.append(lead + staff + "，" + when + deed + "。")
    else:  # help, complaint, report: describe the facts
        told = rng.choice(spec.problems)
        fact = _fill(told, slots)
        parts.append(lead + when + where + ("，" if when or where else "") + fact + "。")
        others = [p for p in spec.problems if p != told]
        if others and rng.random() < 0.35:
            second = _fill(rng.choice(others), slots)
            parts.append(rng.choice(("另外，", "同时，", "还有，", "不仅如此，")) + second + "。")
        if spec.consequences and rng.random() < 0.6:
            parts.append(
                rng.choice(("", "", "现在")) + _fill(rng.choice(spec.consequences), slots) + "。"
            )
        attempt = _fill(rng.choice(_ATTEMPTS), slots)
        if attempt:
            parts.append(attempt)
    return [p.replace("，，", "，").replace("，。", "。") for p in parts]


def generate_request(
    rng: random.Random,
    *,
    unit_topic: str | None = None,
    category: str | None = None,
    district: str | None = None,
    lane: str | None = None,
) -> GeneratedRequest:
    """Draw one request text.

    ``unit_topic`` is a topic name (a key of :data:`TOPICS`) or a unit name (a key of
    :data:`UNITS`, one of its topics is drawn); ``category`` a code of :data:`CATEGORIES`;
    ``district`` a key of :data:`DISTRICTS`. Any left ``None`` is drawn from ``rng``. ``lane``
    ("citizen" or "enterprise") says who is calling, when it is not the topic's usual caller
    (an enterprise asking about invoices introduces itself as a company).
    """
    if lane not in (None, "citizen", "enterprise"):
        raise ValueError(f"unknown lane {lane!r}")
    if unit_topic is None:
        spec = rng.choice(_TOPIC_LIST)
    elif unit_topic in TOPICS:
        spec = TOPICS[unit_topic]
    elif unit_topic in UNITS:
        spec = TOPICS[rng.choice(UNITS[unit_topic])]
    else:
        raise ValueError(f"unknown unit or topic {unit_topic!r}")
    if category is None:
        category = rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
    elif category not in CATEGORY_LABELS:
        raise ValueError(f"unknown category {category!r}; expected one of {CATEGORIES}")
    if district is None:
        district = rng.choice(tuple(DISTRICTS))
    elif district not in DISTRICTS:
        raise ValueError(f"unknown district {district!r}")
    slots = _Slots(rng, district, rng.choice(DISTRICTS[district]))

    unit = spec.unit
    for alternate, share in _ALTERNATE_UNITS.get(spec.name, ()):
        if rng.random() < share:
            unit = alternate
            break
    sentences: list[str] = []
    opening = rng.choice(_OPENINGS)
    lane = lane or spec.lane
    identity_pool = _ENTERPRISE_IDENTITY if lane == "enterprise" else _CITIZEN_IDENTITY
    identity = _fill(rng.choice(identity_pool), slots)
    body = _body(spec, category, rng, slots)
    head = opening + identity
    if head and not head.endswith(("，", "！", "。")):
        head += "，"
    body[0] = head + body[0] if rng.random() < 0.8 else body[0]
    if not body[0].startswith(head) and head:
        sentences.append(head.rstrip("，") + "。")
    sentences.extend(body)

    # Overlap with a related topic, as real callers mix issues: a side remark, or (less often) a
    # whole second problem. The label stays the caller's main concern, which the text alone does
    # not always reveal, so some orders are genuinely ambiguous for any classifier.
    related = _OVERLAPS.get(spec.name)
    if related and category != "praise":
        other = TOPICS[rng.choice(related)]
        draw = rng.random()
        if category == "consult":
            if draw < 0.1:
                sentences.append("顺便问一下，" + _fill(rng.choice(other.questions), slots) + "？")
        elif draw < 0.14:
            extra = _fill(rng.choice(other.problems), slots)
            if rng.random() < _SECOND_PROBLEM_WINS:
                unit = other.unit
            joiner = rng.choice(("另外，", "还有一件事，", "同时反映一下，", "此外，"))
            sentences.insert(min(len(sentences), 1 + rng.randrange(2)), joiner + extra + "。")
        elif draw < 0.34:
            remark = rng.choice(_SIDE_REMARKS.get(other.name, ("",)))
            if remark:
                sentences.insert(min(len(sentences), 1 + rng.randrange(2)), remark + "。")

    sentences.append(rng.choice(_REQUESTS[category]))
    if rng.random() < 0.3:
        sentences.append(
            rng.choice(("联系电话：", "我的电话", "回访请打", "手机："))
            + _masked_phone(rng)
            + rng.choice(("。", "，请回电。", "，谢谢。"))
        )
    elif rng.random() < 0.15:
        sentences.append(rng.choice(("不需要回访。", "请短信回复即可。", "希望电话回访。")))
    text = "".join(s for s in sentences if s)
    text = text.replace("，。", "。").replace("。。", "。").replace("，，", "，")
    return GeneratedRequest(
        text=text,
        category=category,
        topic=spec.name,
        unit=unit,
        district=district,
        lane=lane,
    )


def generate_requests(count: int, seed: int = 12345) -> list[GeneratedRequest]:
    """``count`` requests from one seeded stream, topics uniformly mixed."""
    rng = random.Random(seed)
    return [generate_request(rng) for _ in range(count)]
