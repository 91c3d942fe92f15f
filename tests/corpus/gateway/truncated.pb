
}
corpus-pb-good€¯ÀÖZc
shunfengSF7000000001	kuaidi100