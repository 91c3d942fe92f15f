
x
	corpus-m0����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m1����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m2����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m3����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m4����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m5����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m6����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m7����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m8����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
x
	corpus-m9����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m10����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m11����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m12����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m13����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m14����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m15����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m16����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m17����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m18����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m19����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m20����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m21����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m22����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m23����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m24����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m25����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m26����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m27����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m28����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m29����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m30����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m31����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m32����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m33����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m34����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m35����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m36����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m37����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m38����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m39����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m40����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m41����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m42����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m43����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m44����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m45����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m46����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m47����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m48����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m49����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m50����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m51����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m52����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m53����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m54����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m55����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m56����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m57����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m58����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m59����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m60����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m61����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m62����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m63����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m64����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m65����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m66����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m67����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m68����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m69����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m70����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m71����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m72����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m73����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m74����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m75����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m76����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m77����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m78����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m79����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m80����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m81����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m82����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m83����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m84����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m85����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m86����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m87����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m88����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m89����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m90����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m91����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m92����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m93����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m94����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m95����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m96����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m97����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m98����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
y

corpus-m99����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m100����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m101����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m102����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m103����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m104����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m105����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m106����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m107����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m108����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m109����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m110����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m111����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m112����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m113����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m114����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m115����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m116����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m117����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m118����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m119����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m120����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m121����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m122����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m123����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m124����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m125����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m126����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m127����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m128����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m129����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m130����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m131����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m132����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m133����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m134����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m135����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m136����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m137����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m138����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m139����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m140����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m141����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m142����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m143����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m144����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m145����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m146����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m147����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m148����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m149����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m150����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m151����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m152����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m153����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m154����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m155����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m156����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m157����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m158����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m159����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m160����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m161����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m162����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m163����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m164����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m165����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m166����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m167����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m168����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m169����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m170����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m171����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m172����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m173����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m174����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m175����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m176����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m177����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m178����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m179����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m180����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m181����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m182����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m183����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m184����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m185����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m186����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m187����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m188����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m189����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m190����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m191����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m192����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m193����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m194����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m195����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m196����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m197����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m198����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m199����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m200����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m201����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m202����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m203����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m204����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m205����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m206����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m207����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m208����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m209����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m210����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m211����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m212����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m213����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m214����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m215����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m216����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m217����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m218����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m219����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m220����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m221����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m222����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m223����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m224����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m225����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m226����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m227����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m228����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m229����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m230����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m231����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m232����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m233����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m234����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m235����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m236����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m237����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m238����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m239����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m240����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m241����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m242����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m243����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m244����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m245����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m246����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m247����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m248����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m249����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m250����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m251����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m252����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m253����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m254����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m255����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m256����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m257����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m258����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m259����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m260����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m261����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m262����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m263����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m264����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m265����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m266����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m267����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m268����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m269����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m270����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m271����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m272����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m273����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m274����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m275����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m276����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m277����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m278����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m279����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m280����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m281����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m282����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m283����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m284����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m285����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m286����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m287����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m288����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m289����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m290����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m291����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m292����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m293����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m294����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m295����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m296����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m297����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m298����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m299����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m300����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m301����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m302����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m303����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m304����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m305����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m306����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m307����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m308����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m309����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m310����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m311����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m312����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m313����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m314����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m315����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m316����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m317����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m318����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m319����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m320����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m321����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m322����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m323����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m324����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m325����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m326����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m327����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m328����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m329����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m330����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m331����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m332����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m333����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m334����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m335����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m336����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m337����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m338����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m339����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m340����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m341����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m342����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m343����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m344����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m345����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m346����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m347����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m348����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m349����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m350����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m351����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m352����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m353����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m354����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m355����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m356����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m357����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m358����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m359����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m360����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m361����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m362����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m363����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m364����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m365����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m366����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m367����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m368����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m369����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m370����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m371����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m372����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m373����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m374����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m375����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m376����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m377����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m378����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m379����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m380����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m381����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m382����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m383����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m384����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m385����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m386����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m387����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m388����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m389����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m390����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m391����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m392����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m393����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m394����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m395����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m396����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m397����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m398����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m399����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m400����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m401����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m402����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m403����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m404����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m405����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m406����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m407����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m408����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m409����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m410����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m411����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m412����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m413����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m414����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m415����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m416����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m417����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m418����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m419����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m420����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m421����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m422����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m423����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m424����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m425����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m426����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m427����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m428����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m429����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m430����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m431����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m432����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m433����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m434����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m435����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m436����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m437����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m438����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m439����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m440����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m441����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m442����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m443����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m444����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m445����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m446����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m447����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m448����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m449����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m450����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m451����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m452����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m453����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m454����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m455����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m456����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m457����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m458����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m459����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m460����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m461����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m462����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m463����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m464����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m465����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m466����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m467����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m468����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m469����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m470����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m471����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m472����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m473����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m474����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m475����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m476����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m477����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m478����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m479����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m480����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m481����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m482����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m483����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m484����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m485����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m486����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m487����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m488����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m489����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m490����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m491����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m492����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m493����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m494����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m495����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m496����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m497����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m498����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m499����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心
z
corpus-m500����Zc
shunfengSF7000000001	kuaidi100"0*'快件已到达【济南转运中心】B济南转运中心